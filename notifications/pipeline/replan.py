"""Re-planning booked appointments after their application's templates or notification switch changed.

A template change (its period, activation, channel) or the application's switch
only shapes the rows planned afterwards; the rows of appointments already booked
stay as they were planned. `replan_impact` shows what re-planning them would do
under a policy (the stored one, or a proposed one that is never saved);
`appointments_replan` does it.

Both walk the application's future appointments (not started, not ended) by id,
`batch_size` at a time, in a constant number of queries a batch. Applying, each batch
is one transaction that first locks its appointments, as every appointment service
does (`appointment_lock`), so a reschedule waits for it or it waits for the
reschedule; and the rows it reads are locked too, so a dispatch tick skips them
(SKIP LOCKED) instead of claiming a row being moved. Only PENDING REMINDER and ROOM
rows change (`plan_diff`). A second run changes nothing, so a run that was
interrupted is resumed by running it again: the batches it finished are read and
left as they are.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, DateTimeField, Field, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from appointments.models import Appointment, InteractionState
from notifications.models import TIMED_TYPES, Delivery, DeliveryStatus
from notifications.pipeline.outbox import deliveries_save
from notifications.pipeline.plan_diff import (
    ADDED,
    CANCELLED,
    CHANGE_KINDS,
    MOVED,
    PlanChange,
    PlanDiff,
    plan_diff,
)
from notifications.pipeline.planning import planning_customers, timed_plan
from notifications.pipeline.policy import PlanningPolicy, policy_load
from notifications.pipeline.states import REPLANNED_REASON
from notifications.pipeline.tasks import deliveries_enqueue
from tenants.models import Application

SAMPLE_SIZE = 10


@dataclass
class ReplanSummary:
    """What re-planning does (or did) to the application's future appointments."""

    appointments: int = 0  # future appointments looked at
    appointments_changed: int = 0
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (type, channel, kind)
    sample: list[PlanChange] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return sum(count for (_, _, counted), count in self.counts.items() if counted == kind)

    @property
    def added(self) -> int:
        return self.total(ADDED)

    @property
    def moved(self) -> int:
        return self.total(MOVED)

    @property
    def cancelled(self) -> int:
        return self.total(CANCELLED)

    @property
    def changed(self) -> int:
        return sum(self.counts.values())

    def by_type_and_channel(self) -> list[dict[str, object]]:
        """Per type and channel with any change: how many rows each kind of change touches."""
        pairs = sorted({(type, channel) for type, channel, _ in self.counts})
        return [
            {
                "type": type,
                "channel": channel,
                **{kind: self.counts[type, channel, kind] for kind in CHANGE_KINDS},
            }
            for type, channel in pairs
        ]

    def line(self) -> str:
        """The one-line summary the command prints."""
        return (
            f"{self.appointments} future appointments, {self.appointments_changed} changed: "
            f"{self.added} deliveries added, {self.moved} moved, {self.cancelled} cancelled"
        )

    def _record(self, diff: PlanDiff) -> None:
        self.appointments += 1
        if not diff:
            return
        self.appointments_changed += 1
        for change in diff.changes():
            self.counts[change.type, change.channel, change.kind] += 1
            if len(self.sample) < SAMPLE_SIZE:
                self.sample.append(change)


def replan_impact(
    *, application: Application, policy: PlanningPolicy, batch_size: int | None = None
) -> ReplanSummary:
    """What re-planning the application's future appointments under `policy` would do; writes nothing."""
    summary = ReplanSummary()
    now = timezone.now()
    cursor = None
    while True:
        appointments = _future_page(application, after=cursor, now=now, size=_size(batch_size))
        if not appointments:
            return summary
        for _, diff in _diffs(application, appointments, policy=policy, now=now, lock=False):
            summary._record(diff)
        cursor = appointments[-1].pk


def appointments_replan(
    *,
    application: Application,
    batch_size: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> ReplanSummary:
    """Re-plan the pending REMINDER/ROOM rows of the application's future appointments under its policy.

    One transaction a batch; `progress(n)` is called after each batch has committed
    with the number of appointments it held. Idempotent: run it again to resume.
    """
    policy = policy_load(application=application)
    summary = ReplanSummary()
    now = timezone.now()
    cursor = None
    while True:
        with transaction.atomic():
            appointments = _future_page(application, after=cursor, now=now, size=_size(batch_size), lock=True)
            diffs = list(_diffs(application, appointments, policy=policy, now=now, lock=True))
            _apply([diff for _, diff in diffs], now=now)
        for _, diff in diffs:
            summary._record(diff)
        if not appointments:
            return summary
        cursor = appointments[-1].pk
        if progress is not None:
            progress(len(appointments))


def future_appointment_count(*, application: Application) -> int:
    """How many appointments a replan walks through (for a progress bar's total)."""
    return _future(application, now=timezone.now()).count()


def _size(batch_size: int | None) -> int:
    return batch_size or settings.NOTIFICATIONS_REPLAN_BATCH_SIZE


def _future(application: Application, *, now: datetime) -> QuerySet[Appointment]:
    return Appointment.objects.filter(application_id=application.pk, start__gt=now).exclude(
        interaction_state=InteractionState.COMPLETE
    )


def _future_page(
    application: Application, *, after: object, now: datetime, size: int, lock: bool = False
) -> list[Appointment]:
    """The next `size` future appointments by id after `after` (keyset paging), locked when applying."""
    page = _future(application, now=now).order_by("pk")
    if after is not None:
        page = page.filter(pk__gt=after)
    if lock:
        page = page.select_for_update(of=("self",))
    appointments = list(page[:size])
    for appointment in appointments:
        appointment.application = application  # one application: spare the join
    return appointments


def _diffs(
    application: Application,
    appointments: list[Appointment],
    *,
    policy: PlanningPolicy,
    now: datetime,
    lock: bool,
) -> Iterator[tuple[Appointment, PlanDiff]]:
    """Each appointment with what re-planning it changes; two queries for the whole page."""
    if not appointments:
        return
    ids = [appointment.pk for appointment in appointments]
    customers = planning_customers(ids)
    rows = Delivery.objects.filter(
        application_id=application.pk, appointment_id__in=ids, type__in=TIMED_TYPES
    ).exclude(status=DeliveryStatus.CANCELLED)
    if lock:
        rows = rows.select_for_update()
    queued: dict[object, list[Delivery]] = {pk: [] for pk in ids}
    for row in rows:
        queued[row.appointment_id].append(row)
    for appointment in appointments:
        planned = timed_plan(
            appointment=appointment, policy=policy, customers=customers[appointment.pk], now=now
        )
        yield appointment, plan_diff(queued=queued[appointment.pk], planned=planned, now=now)


def _apply(diffs: list[PlanDiff], *, now: datetime) -> None:
    """Write a batch's changes: three statements whatever its size; only rows still PENDING change."""
    cancelled = [row.pk for diff in diffs for row in diff.cancelled]
    if cancelled:
        Delivery.objects.filter(pk__in=cancelled, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED,
            cancel_reason=REPLANNED_REASON,
            lease_expires_at=None,
            updated_at=now,
        )
    moved = [pair for diff in diffs for pair in diff.moved]
    if moved:
        _move(moved, now=now)
    deliveries_save([row for diff in diffs for row in diff.added])


def _move(moved: list[tuple[Delivery, Delivery]], *, now: datetime) -> None:
    def each(value: Callable[[Delivery], object], output_field: Field) -> Cast:
        # Cast: a CASE whose every branch is NULL would be text to PostgreSQL.
        whens = [When(pk=queued.pk, then=Value(value(planned))) for queued, planned in moved]
        return Cast(Case(*whens, output_field=output_field), output_field=output_field)

    Delivery.objects.filter(pk__in=[queued.pk for queued, _ in moved], status=DeliveryStatus.PENDING).update(
        due_at=each(lambda planned: planned.due_at, DateTimeField()),
        original_due_at=each(lambda planned: planned.original_due_at, DateTimeField()),
        due_note=each(lambda planned: planned.due_note, CharField()),
        updated_at=now,
    )
    due = [queued.pk for queued, planned in moved if planned.due_at <= now]
    if due:
        transaction.on_commit(lambda: deliveries_enqueue(due))
