"""The pipeline's state for an operator: backlog, oldest due row, last tick, recent failures, workers.

Read by `manage.py pipeline_status` (a table, or --json for scripts) and, for the
beat's freshness, by /readyz. Four queries whatever the backlog's size; the workers
are asked over the broker (a Celery ping) only when a timeout is given.
"""

import uuid
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.logs import scrub
from notifications.metrics import UNSENT_STATUSES, last_tick_at
from notifications.models import OPEN_STATUSES, Delivery, DeliveryStatus, PipelineHeartbeat


@dataclass(frozen=True)
class BacklogLine:
    application_id: str
    application: str
    channel: str
    status: str
    rows: int
    due: int


@dataclass(frozen=True)
class OldestDue:
    delivery_id: str
    application_id: str
    appointment_id: str
    channel: str
    type: str
    status: str
    attempts: int
    due_at: str
    age_seconds: float


@dataclass(frozen=True)
class FailureLine:
    channel: str
    status: str
    reason: str
    rows: int


@dataclass
class PipelineStatus:
    now: str
    backlog: list[BacklogLine]
    oldest_due: OldestDue | None
    last_tick_at: str | None
    last_tick_age_seconds: float | None
    last_tick_worker: str
    failures: list[FailureLine]
    failure_window_seconds: int
    workers: list[str] | None = None  # None: not asked
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pipeline_status_read(
    *,
    now: datetime | None = None,
    failure_window: timedelta = timedelta(hours=1),
    ping_timeout: float = 0.0,
) -> PipelineStatus:
    """Read the pipeline's state; ask the workers for a pong when `ping_timeout` is positive."""
    now = now or timezone.now()
    heartbeat = PipelineHeartbeat.objects.filter(name=PipelineHeartbeat.DISPATCH).first()
    return PipelineStatus(
        now=now.isoformat(),
        backlog=backlog_lines(now=now),
        oldest_due=oldest_due(now=now),
        last_tick_at=heartbeat.ticked_at.isoformat() if heartbeat else None,
        last_tick_age_seconds=round((now - heartbeat.ticked_at).total_seconds(), 1) if heartbeat else None,
        last_tick_worker=heartbeat.worker if heartbeat else "",
        failures=_failures(now - failure_window),
        failure_window_seconds=int(failure_window.total_seconds()),
        workers=workers_ping(timeout=ping_timeout) if ping_timeout > 0 else None,
    )


def pipeline_problems(status: PipelineStatus, *, max_backlog_age: float, max_tick_age: float) -> list[str]:
    """What is wrong by the thresholds (0 switches one off): an empty list when all is well."""
    problems = []
    oldest = status.oldest_due
    if max_backlog_age and oldest and oldest.age_seconds > max_backlog_age:
        problems.append(
            f"the oldest due row has waited {oldest.age_seconds:.0f}s (limit {max_backlog_age:.0f}s)"
        )
    if max_tick_age:
        if status.last_tick_age_seconds is None:
            problems.append("no dispatch tick has run yet")
        elif status.last_tick_age_seconds > max_tick_age:
            age = status.last_tick_age_seconds
            problems.append(f"the last dispatch tick ran {age:.0f}s ago (limit {max_tick_age:.0f}s)")
    return problems


def beat_freshness_check() -> str | None:
    """/readyz: the last tick is younger than READINESS_BEAT_MAX_AGE_SECONDS (three intervals by default)."""
    ticked = last_tick_at()
    if ticked is None:
        return "no dispatch tick has run yet"
    age = (timezone.now() - ticked).total_seconds()
    limit = settings.READINESS_BEAT_MAX_AGE_SECONDS
    if age > limit:
        return f"the last dispatch tick ran {age:.0f}s ago (limit {limit}s)"
    return None


def workers_ping(*, timeout: float) -> list[str]:
    """The names of the workers that answer a ping over the broker within `timeout` seconds."""
    replies = current_app.control.ping(timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)


def _scoped(application_ids: Collection[uuid.UUID] | None) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.all()
    return deliveries if application_ids is None else deliveries.filter(application__in=application_ids)


def _due(statuses: Iterable[str], now: datetime) -> Q:
    """Rows in one of `statuses` due by `now`, said so that PostgreSQL reads them from small indexes.

    PENDING rows are asked apart: delivery_pending_due_idx holds only them, and the ones
    due already are a handful beside the future reminders. The other open statuses are few
    at any time (delivery_status_lease_idx). Together: a BitmapOr of the two, however
    long the history.
    """
    others = [status for status in statuses if status != DeliveryStatus.PENDING]
    due = Q(status__in=others, due_at__lte=now)
    if DeliveryStatus.PENDING in statuses:
        due |= Q(status=DeliveryStatus.PENDING, due_at__lte=now)
    return due


def backlog_lines(
    *, now: datetime, application_ids: Collection[uuid.UUID] | None = None, due_only: bool = False
) -> list[BacklogLine]:
    """Rows not sent yet, per application, channel and status; only those already due with `due_only`.

    `application_ids` None reads every application's (the operator's command).
    """
    # Future reminders are most of the unsent rows: the dashboard counts only the late ones.
    unsent = _scoped(application_ids).filter(
        _due(UNSENT_STATUSES, now) if due_only else Q(status__in=UNSENT_STATUSES)
    )
    rows = (
        unsent.values("application_id", "application__name", "channel", "status")
        .annotate(rows=Count("id"), due=Count("id", filter=Q(due_at__lte=now)))
        .order_by("application__name", "application_id", "channel", "status")
    )
    return [
        BacklogLine(
            application_id=str(row["application_id"]),
            application=row["application__name"],
            channel=row["channel"],
            status=row["status"],
            rows=row["rows"],
            due=row["due"],
        )
        for row in rows
    ]


def oldest_due(*, now: datetime, application_ids: Collection[uuid.UUID] | None = None) -> OldestDue | None:
    """The open row that has been due longest, if any."""
    row = (
        _scoped(application_ids)
        .filter(_due(OPEN_STATUSES, now))
        .order_by("due_at", "id")
        .only("id", "application_id", "appointment_id", "channel", "type", "status", "attempts", "due_at")
        .first()
    )
    if row is None:
        return None
    return OldestDue(
        delivery_id=str(row.pk),
        application_id=str(row.application_id),
        appointment_id=str(row.appointment_id),
        channel=row.channel,
        type=row.type,
        status=row.status,
        attempts=row.attempts,
        due_at=row.due_at.isoformat(),
        age_seconds=round((now - row.due_at).total_seconds(), 1),
    )


def _failures(since: datetime) -> list[FailureLine]:
    """Failed rows, and rows waiting for a retry, that changed since `since`, by reason."""
    rows = (
        Delivery.objects.filter(updated_at__gte=since)
        .filter(Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.PENDING, attempts__gt=0))
        .exclude(last_error="")
        .values("channel", "status", "last_error")
        .annotate(rows=Count("id"))
        .order_by("-rows", "channel", "status")
    )
    return _merged_by_reason(rows)


def failure_reasons(
    *, application_ids: Collection[uuid.UUID], due_since: datetime, due_until: datetime, limit: int
) -> list[FailureLine]:
    """The commonest reasons of FAILED rows due in [due_since, due_until), most rows first.

    Read through the (application, due_at) index, unlike `_failures` (every row changed
    lately): the dashboard's window is the one its delivery chart shows.
    """
    rows = (
        _scoped(application_ids)
        .filter(status=DeliveryStatus.FAILED, due_at__gte=due_since, due_at__lt=due_until)
        .values("channel", "status", "last_error")
        .annotate(rows=Count("id"))
        .order_by("-rows", "channel", "last_error")
    )
    lines = sorted(_merged_by_reason(rows), key=lambda line: (-line.rows, line.channel, line.reason))
    return lines[:limit]


def _merged_by_reason(rows: Iterable[dict[str, Any]]) -> list[FailureLine]:
    # Provider errors may quote a recipient ("550 <bob@example.com>: no such user"): scrubbed,
    # the same refusal to two people is one reason.
    merged: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row["channel"], row["status"], scrub(row["last_error"])[:200] or "(no error recorded)")
        merged[key] = merged.get(key, 0) + row["rows"]
    return [FailureLine(channel=c, status=s, reason=r, rows=n) for (c, s, r), n in merged.items()]
