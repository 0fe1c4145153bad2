"""What re-planning one appointment changes: its queued REMINDER/ROOM rows against the rows planned now.

Pure: `plan_diff` reads nothing and writes nothing. Only PENDING rows are ever
added to, moved or cancelled; a row a worker holds or has finished (CLAIMED,
SENDING, SENT, FAILED) is left alone, and stops the same notification from being
planned a second time.

A person row is the same notification as a planned one when it goes to the same
address on the same channel from the same template: a template whose period changed
*moves* its rows. A webhook row has no template; its endpoint's rows of one type are
paired in time order, so they move too when a period changes.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from notifications.models import Delivery, DeliveryChannel, DeliveryStatus

ADDED, MOVED, CANCELLED = "added", "moved", "cancelled"
CHANGE_KINDS = (ADDED, MOVED, CANCELLED)


@dataclass(frozen=True)
class PlanChange:
    """One row added, moved or cancelled, as the preview shows it."""

    kind: str
    appointment_id: object
    type: str
    channel: str
    recipient: str
    old_due_at: datetime | None
    new_due_at: datetime | None

    @property
    def masked_recipient(self) -> str:
        """The recipient as a preview shows it: enough to recognise, not to copy."""
        return mask_recipient(self.recipient, channel=self.channel)


def mask_recipient(recipient: str, *, channel: str) -> str:
    """b***@example.com, +3069*****100, https://crm.example/…"""
    if channel == DeliveryChannel.EMAIL:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    if channel == DeliveryChannel.SMS:
        return recipient[:5] + "*" * max(len(recipient) - 8, 0) + recipient[-3:]
    parts = urlsplit(recipient)
    return f"{parts.scheme}://{parts.netloc}/…"


@dataclass
class PlanDiff:
    added: list[Delivery] = field(default_factory=list)  # rows to insert, as planned now
    moved: list[tuple[Delivery, Delivery]] = field(default_factory=list)  # (queued row, as planned now)
    cancelled: list[Delivery] = field(default_factory=list)  # queued rows nothing plans any more

    def __bool__(self) -> bool:
        return bool(self.added or self.moved or self.cancelled)

    def changes(self) -> Iterator[PlanChange]:
        for row in self.added:
            yield _change(ADDED, row, old=None, new=row.due_at)
        for queued, planned in self.moved:
            yield _change(MOVED, queued, old=queued.due_at, new=planned.due_at)
        for row in self.cancelled:
            yield _change(CANCELLED, row, old=row.due_at, new=None)


def _change(kind: str, row: Delivery, *, old: datetime | None, new: datetime | None) -> PlanChange:
    return PlanChange(kind, row.appointment_id, row.type, row.channel, row.recipient, old, new)


def plan_diff(*, queued: Iterable[Delivery], planned: Iterable[Delivery], now: datetime) -> PlanDiff:
    """Turn the appointment's `queued` timed rows (any status) into the `planned` ones.

    A due time that has passed counts as "now" on both sides, so running it again
    later changes nothing.
    """
    queued = list(queued)
    pending: defaultdict[Hashable, list[Delivery]] = defaultdict(list)
    for row in sorted(queued, key=lambda row: row.due_at):
        if row.status == DeliveryStatus.PENDING:
            pending[_key(row, now)].append(row)
    held: defaultdict[Hashable, list[Delivery]] = defaultdict(list)
    for row in queued:
        if row.status not in (DeliveryStatus.PENDING, DeliveryStatus.CANCELLED):
            held[_slot(row)].append(row)
    diff = PlanDiff()
    unmatched: list[Delivery] = []
    for row in sorted(planned, key=lambda row: row.due_at):
        if row.status != DeliveryStatus.PENDING:
            continue  # planned already cancelled (its time passed after the start)
        matches = pending.get(_key(row, now))
        if matches:
            _keep_or_move(diff, matches.pop(0), row, now)
        else:
            unmatched.append(row)
    left = [row for rows in pending.values() for row in rows]
    unmatched, left = _pair_webhooks(diff, unmatched, left, now)
    diff.added = [row for row in unmatched if not _already_sent(row, held.get(_slot(row), []), now)]
    diff.cancelled = left
    return diff


def _slot(row: Delivery) -> tuple[str, str, str]:
    """Who gets a row of this type on this channel: the address (as planning groups it) or the endpoint."""
    if row.channel == DeliveryChannel.WEBHOOK:
        return row.type, row.channel, str(row.webhook_endpoint_id)
    return row.type, row.channel, row.recipient.strip().lower()


def _key(row: Delivery, now: datetime) -> Hashable:
    if row.channel == DeliveryChannel.WEBHOOK:
        return *_slot(row), max(row.due_at, now)
    return *_slot(row), str(row.template_id)


def _same_due(queued: datetime, planned: datetime, now: datetime) -> bool:
    return queued == planned or (queued <= now and planned <= now)


def _keep_or_move(diff: PlanDiff, queued: Delivery, planned: Delivery, now: datetime) -> None:
    if not _same_due(queued.due_at, planned.due_at, now):
        diff.moved.append((queued, planned))


def _pair_webhooks(
    diff: PlanDiff, unmatched: list[Delivery], left: list[Delivery], now: datetime
) -> tuple[list[Delivery], list[Delivery]]:
    """An endpoint's unmatched rows of one type, paired in time order: the same events at new times."""
    planned_by_slot: defaultdict[Hashable, list[Delivery]] = defaultdict(list)
    for row in unmatched:
        if row.channel == DeliveryChannel.WEBHOOK:
            planned_by_slot[_slot(row)].append(row)
    paired: set[int] = set()
    still_left = []
    for row in sorted(left, key=lambda row: row.due_at):
        candidates = planned_by_slot.get(_slot(row)) if row.channel == DeliveryChannel.WEBHOOK else None
        if candidates:
            planned = candidates.pop(0)
            paired.add(id(planned))
            _keep_or_move(diff, row, planned, now)
        else:
            still_left.append(row)
    return [row for row in unmatched if id(row) not in paired], still_left


def _already_sent(planned: Delivery, held: list[Delivery], now: datetime) -> bool:
    """Whether a row of the same notification to the same recipient was already sent or is being sent.

    The same template, or the same planned time, is the same notification; and a
    notification whose time has passed is not sent late to someone who already had
    one of its type.
    """
    if not held:
        return False
    if planned.due_at <= now:
        return True
    moment = planned.original_due_at or planned.due_at
    return any(
        (planned.template_id is not None and row.template_id == planned.template_id)
        or (row.original_due_at or row.due_at) == moment
        for row in held
    )
