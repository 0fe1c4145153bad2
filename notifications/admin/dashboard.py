"""The console's dashboard: the first thing on the admin's index page (templates/admin/index.html).

It puts together, for the applications the user supervises (all for superusers), the
appointment figures of appointments/dashboard.py and the delivery figures of
notifications/delivery_stats.py and notifications/pipeline_status.py, and lays them out
as charts (core/charts.py) whose every bar links to the change list of the rows it
counts. It lives in notifications, the highest app whose rows it shows. Ten queries,
whatever the number of rows.
"""

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse

from appointments.dashboard import (
    appointments_per_day,
    appointments_starting,
    customers_waiting,
    day_start,
    weekly_rates,
)
from appointments.statuses import ACTIVATED, COMPLETED, NO_SHOW, SCHEDULED
from core.charts import BarChart, ColumnInput, Series, Value, stacked_bar_chart
from notifications.delivery_stats import deliveries_per_day
from notifications.metrics import UNSENT_STATUSES
from notifications.models import DeliveryChannel, DeliveryStatus
from notifications.pipeline_status import FailureLine, backlog_lines, failure_reasons, oldest_due
from participants.models import Confirmation, ParticipantState, ParticipantType
from tenants.models import Application

CHANNEL_NAMES: dict[str, str] = {
    DeliveryChannel.EMAIL: "Email",
    DeliveryChannel.SMS: "SMS",
    DeliveryChannel.WEBHOOK: "Webhook",
}
DAYS_AHEAD = 14  # appointments: today and the 13 days after
DAYS_BACK = 14  # deliveries: today and the 13 days before
WEEKS = 8  # rates: this week and the 7 before
TOP_REASONS = 5

APPOINTMENT_SERIES = [
    Series(SCHEDULED, "scheduled"),
    Series(ACTIVATED, "activated"),
    Series(COMPLETED, "completed"),
    Series(NO_SHOW, "no-show"),
]
# Bottom-up: what went out, what did not, what is still on its way.
DELIVERY_SERIES = [
    Series(DeliveryStatus.SENT, "sent"),
    Series(DeliveryStatus.FAILED, "failed"),
    Series(DeliveryStatus.CANCELLED, "cancelled"),
    Series(DeliveryStatus.PENDING, "pending"),
    Series(DeliveryStatus.CLAIMED, "claimed"),
    Series(DeliveryStatus.SENDING, "sending"),
]


@lru_cache(maxsize=16)
def _changelist_url(model: str, script_prefix: str) -> str:
    return reverse(f"admin:{model}_changelist")


def _changelist(model: str, **filters: str) -> str:
    # A page has a few hundred links: the three list URLs are worked out once per prefix.
    url = _changelist_url(model, get_script_prefix())
    return f"{url}?{urlencode(filters)}" if filters else url


def _appointments(**filters: str) -> str:
    return _changelist("appointments_appointment", **filters)


def _deliveries(**filters: str) -> str:
    return _changelist("notifications_delivery", **filters)


def _participants(**filters: str) -> str:
    return _changelist("participants_participant", **filters)


def _day_filters(field: str, day: date) -> dict[str, str]:
    """The date hierarchy's own parameters: the list reads them as a day of the user's zone too."""
    return {f"{field}__year": str(day.year), f"{field}__month": str(day.month), f"{field}__day": str(day.day)}


def _column(day: date, href: str, values: dict[str, Value]) -> ColumnInput:
    return ColumnInput(
        label=f"{day:%a} {day.day}",
        sublabel=f"{day:%b}",
        long_label=f"{day:%A} {day.day} {day:%B %Y}",
        href=href,
        values=values,
    )


@dataclass(frozen=True)
class Reason:
    line: FailureLine
    href: str


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    detail: str
    href: str


@dataclass(frozen=True)
class Dashboard:
    applications: list[str]
    appointments: BarChart
    deliveries: list[BarChart]
    reasons: list[Reason]
    no_shows: BarChart
    confirmations: BarChart
    now: list[Tile]


def dashboard_read(
    *, application_ids: Collection[uuid.UUID] | None, zone: tzinfo, now: datetime
) -> Dashboard | None:
    """The dashboard of these applications (None: every one); None when there is none to show."""
    applications = Application.objects.order_by("name")
    if application_ids is not None:
        applications = applications.filter(pk__in=application_ids)
    named = list(applications.values_list("pk", "name"))
    if not named:
        return None
    ids = [pk for pk, _name in named]
    today = now.astimezone(zone).date()
    return Dashboard(
        applications=[name for _pk, name in named],
        appointments=_appointment_chart(ids, today, zone),
        deliveries=_delivery_charts(ids, today, zone),
        reasons=_reasons(ids, today, zone),
        **_rate_charts(ids, today, zone, now),
        now=_now_tiles(ids, now),
    )


def _appointment_chart(ids: list[uuid.UUID], today: date, zone: tzinfo) -> BarChart:
    days = appointments_per_day(application_ids=ids, first_day=today, days=DAYS_AHEAD, zone=zone)
    columns = [
        _column(
            day.day,
            _appointments(**_day_filters("start", day.day)),
            {
                state: Value(count, _appointments(**_day_filters("start", day.day), status=state))
                for state, count in day.counts.items()
                if count
            },
        )
        for day in days
    ]
    return stacked_bar_chart(
        chart_id="dashboard-appointments",
        title=f"Appointments per day, next {DAYS_AHEAD} days",
        description=(
            f"Appointments starting on each day from today, {sum(d.total for d in days)} in all, "
            "stacked by state: scheduled, activated, completed, no-show."
        ),
        series=APPOINTMENT_SERIES,
        columns=columns,
    )


def _delivery_charts(ids: list[uuid.UUID], today: date, zone: tzinfo) -> list[BarChart]:
    first_day = today - timedelta(days=DAYS_BACK - 1)
    per_channel = deliveries_per_day(application_ids=ids, first_day=first_day, days=DAYS_BACK, zone=zone)
    charts = []
    for channel, days in per_channel.items():
        columns = [
            _column(
                day.day,
                _deliveries(**_day_filters("due_at", day.day), channel__exact=channel),
                {
                    status: Value(
                        count,
                        _deliveries(
                            **_day_filters("due_at", day.day), channel__exact=channel, status__exact=status
                        ),
                    )
                    for status, count in day.counts.items()
                    if count
                },
            )
            for day in days
        ]
        total = sum(sum(day.counts.values()) for day in days)
        charts.append(
            stacked_bar_chart(
                chart_id=f"dashboard-deliveries-{channel.lower()}",
                title=f"{CHANNEL_NAMES[channel]} deliveries per day, last {DAYS_BACK} days",
                description=(
                    f"{CHANNEL_NAMES[channel]} deliveries due on each of the last {DAYS_BACK} days, "
                    f"{total} in all, stacked by status: sent, failed, cancelled, pending, claimed, sending."
                ),
                series=DELIVERY_SERIES,
                columns=columns,
            )
        )
    return charts


def _reasons(ids: list[uuid.UUID], today: date, zone: tzinfo) -> list[Reason]:
    since = day_start(today - timedelta(days=DAYS_BACK - 1), zone)
    until = day_start(today + timedelta(days=1), zone)
    lines = failure_reasons(application_ids=ids, due_since=since, due_until=until, limit=TOP_REASONS)
    window = {"due_at__gte": since.isoformat(), "due_at__lt": until.isoformat()}
    return [
        Reason(line, _deliveries(status__exact=DeliveryStatus.FAILED, channel__exact=line.channel, **window))
        for line in lines
    ]


def _percent(share: float | None) -> Value | None:
    return None if share is None else Value(round(100 * share), "", f"{100 * share:.0f}")


def _rate_charts(ids: list[uuid.UUID], today: date, zone: tzinfo, now: datetime) -> dict[str, BarChart]:
    monday = today - timedelta(days=today.weekday())
    weeks = weekly_rates(application_ids=ids, last_monday=monday, weeks=WEEKS, zone=zone, now=now)

    def chart(
        key: str, title: str, description: str, rate: Callable, href: Callable[[dict[str, str]], str]
    ) -> BarChart:
        columns = []
        for week in weeks:
            window = {
                "start__gte": day_start(week.monday, zone).isoformat(),
                "start__lt": day_start(week.monday + timedelta(weeks=1), zone).isoformat(),
            }
            value = _percent(rate(week))
            link = href(window)
            columns.append(
                ColumnInput(
                    label=f"{week.monday.day} {week.monday:%b}",
                    sublabel="week",
                    long_label=f"Week of Monday {week.monday.day} {week.monday:%B %Y}",
                    href=link,
                    values={} if value is None else {key: Value(value.amount, link, value.text)},
                )
            )
        return stacked_bar_chart(
            chart_id=f"dashboard-{key}",
            title=title,
            description=description,
            series=[Series(key, title.split(" per ")[0].lower())],
            columns=columns,
            unit="%",
            top=100,
            period="Week",
            missing="–",
        )

    return {
        "no_shows": chart(
            "no-show",
            "No-show rate per week",
            f"Of the appointments of each of the last {WEEKS} weeks that have ended, the share "
            "no customer joined. A dash: none has ended yet.",
            lambda week: week.no_show_rate,
            lambda window: _appointments(status=NO_SHOW, **window),
        ),
        "confirmations": chart(
            "confirmed",
            "Confirmation rate per week",
            f"Of the customers of the appointments of each of the last {WEEKS} weeks, the share "
            "who confirmed they will attend. A dash: no customer.",
            lambda week: week.confirmation_rate,
            lambda window: _participants(
                type__exact=ParticipantType.CUSTOMER,
                confirmation__exact=Confirmation.CONFIRMED,
                **{f"appointment__{key}": value for key, value in window.items()},
            ),
        ),
    }


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _now_tiles(ids: list[uuid.UUID], now: datetime) -> list[Tile]:
    waiting = customers_waiting(application_ids=ids)
    hour = now + timedelta(hours=1)
    starting = appointments_starting(application_ids=ids, since=now, until=hour)
    due = sum(line.due for line in backlog_lines(now=now, application_ids=ids, due_only=True))
    oldest = oldest_due(now=now, application_ids=ids)
    longest = f"the longest for {_duration((now - waiting.since).total_seconds())}" if waiting.since else ""
    return [
        Tile(
            "Customers waiting",
            str(waiting.customers),
            longest or "in a waiting room now",
            _participants(type__exact=ParticipantType.CUSTOMER, state__exact=ParticipantState.WAITING),
        ),
        Tile(
            "Starting within the hour",
            str(starting),
            "appointments",
            _appointments(start__gte=now.isoformat(), start__lt=hour.isoformat()),
        ),
        Tile(
            "Notifications due, not sent",
            str(due),
            "the pipeline's backlog",
            _deliveries(status__in=",".join(UNSENT_STATUSES), due_at__lte=now.isoformat()),
        ),
        Tile(
            "Oldest due notification",
            _duration(oldest.age_seconds) if oldest else "–",
            f"{oldest.channel} {oldest.type}, waiting since it was due" if oldest else "nothing is late",
            reverse("admin:notifications_delivery_change", args=[oldest.delivery_id])
            if oldest
            else _deliveries(),
        ),
    ]
