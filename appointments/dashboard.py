"""The appointment figures of the console's dashboard: aggregates over indexed columns, a query each.

Every function takes the applications to count (`application_ids`, never "all":
the caller resolves a superuser's to the full list, which lets PostgreSQL walk the
(application, start) index) and the supervisor's time zone, which decides where a day
or a week begins. States are those of appointments/statuses.py.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate

from appointments.models import Appointment
from appointments.statuses import STATUSES, status_expression
from participants.models import Confirmation, Participant, ParticipantState, ParticipantType


def day_start(day: date, zone: tzinfo) -> datetime:
    """Midnight of `day` in `zone`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class DayStates:
    day: date
    counts: dict[str, int]  # every state of STATUSES, zero included

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def appointments_per_day(
    *, application_ids: Collection[uuid.UUID], first_day: date, days: int, zone: tzinfo
) -> list[DayStates]:
    """Appointments starting on each of `days` days from `first_day` (days of `zone`), by state."""
    since, until = day_start(first_day, zone), day_start(first_day + timedelta(days=days), zone)
    rows = (
        Appointment.objects.filter(application__in=application_ids, start__gte=since, start__lt=until)
        .annotate(day=TruncDate("start", tzinfo=zone), state=status_expression())
        .values("day", "state")
        .annotate(rows=Count("id"))
        .order_by()
    )
    counts: dict[date, dict[str, int]] = {
        first_day + timedelta(days=n): dict.fromkeys(STATUSES, 0) for n in range(days)
    }
    for row in rows:
        # A day of the window in the zone: TruncDate and the window agree on where days begin.
        counts[row["day"]][row["state"]] += row["rows"]
    return [DayStates(day=day, counts=states) for day, states in counts.items()]


@dataclass
class WeekRates:
    """One week (Monday to Sunday in the supervisor's zone) of appointments that started in it."""

    monday: date
    ended: int = 0  # appointments whose end has passed
    no_shows: int = 0
    customers: int = 0  # customer participants of the week's appointments
    confirmed: int = 0
    declined: int = 0

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among the appointments that have ended; None before any has."""
        return self.no_shows / self.ended if self.ended else None

    @property
    def confirmation_rate(self) -> float | None:
        """Customers who confirmed among all the week's customers; None with no customer."""
        return self.confirmed / self.customers if self.customers else None


def weekly_rates(
    *, application_ids: Collection[uuid.UUID], last_monday: date, weeks: int, zone: tzinfo, now: datetime
) -> list[WeekRates]:
    """No-show and confirmation rates of the `weeks` weeks ending with the one of `last_monday`.

    Two queries: appointments, and their customers, grouped by local day (a week has
    seven, so at most 7 × weeks rows come back) and summed into weeks here, which
    reads the same on PostgreSQL and SQLite.
    """
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    since, until = day_start(first_monday, zone), day_start(last_monday + timedelta(weeks=1), zone)
    mondays = [first_monday + timedelta(weeks=n) for n in range(weeks)]
    result = {monday: WeekRates(monday=monday) for monday in mondays}
    appointments = (
        Appointment.objects.filter(application__in=application_ids, start__gte=since, start__lt=until)
        .annotate(day=TruncDate("start", tzinfo=zone))
        .values("day")
        .annotate(
            ended=Count("id", filter=Q(end__lte=now)),
            no_shows=Count("id", filter=Q(no_show_at__isnull=False)),
        )
        .order_by()
    )
    for row in appointments:
        week = result[row["day"] - timedelta(days=row["day"].weekday())]
        week.ended += row["ended"]
        week.no_shows += row["no_shows"]
    customers = (
        Participant.objects.filter(
            type=ParticipantType.CUSTOMER,
            appointment__application__in=application_ids,
            appointment__start__gte=since,
            appointment__start__lt=until,
        )
        .annotate(day=TruncDate("appointment__start", tzinfo=zone))
        .values("day")
        # Counting appointment_id, not id: participant_customer_conf_idx holds it, so no table reads.
        .annotate(
            customers=Count("appointment"),
            confirmed=Count("appointment", filter=Q(confirmation=Confirmation.CONFIRMED)),
            declined=Count("appointment", filter=Q(confirmation=Confirmation.DECLINED)),
        )
        .order_by()
    )
    for row in customers:
        week = result[row["day"] - timedelta(days=row["day"].weekday())]
        week.customers += row["customers"]
        week.confirmed += row["confirmed"]
        week.declined += row["declined"]
    return list(result.values())


@dataclass(frozen=True)
class Waiting:
    customers: int
    since: datetime | None  # when the longest-waiting one began to wait (None: unknown or nobody)


def customers_waiting(*, application_ids: Collection[uuid.UUID]) -> Waiting:
    """Customers whose state is WAITING right now (participants/0005's partial index holds only them)."""
    row = Participant.objects.filter(
        application__in=application_ids, state=ParticipantState.WAITING, type=ParticipantType.CUSTOMER
    ).aggregate(customers=Count("id"), since=Min("state_changed_at"))
    return Waiting(customers=row["customers"], since=row["since"])


def appointments_starting(*, application_ids: Collection[uuid.UUID], since: datetime, until: datetime) -> int:
    """Appointments starting in [since, until)."""
    return Appointment.objects.filter(
        application__in=application_ids, start__gte=since, start__lt=until
    ).count()
