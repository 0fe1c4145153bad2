"""Everything a batch of deliveries needs to be sent, read in a constant number of queries.

`batch_load` reads the rows still open and due, then their appointments (with
participants), the senders, the SMS opt-outs and the newest UPDATE version of
each appointment: at most six queries whatever the batch size, instead of six
a row. messages.py asks the batch instead of the database.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from appointments.models import Appointment
from calendars.attachments import email_attachments
from notifications.models import (
    OPEN_STATUSES,
    ChannelSender,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    NotificationType,
    SmsOptOut,
)

Attachments = tuple[tuple[str, bytes, str], ...]


@dataclass
class SendBatch:
    deliveries: list[Delivery]
    appointments: dict[uuid.UUID, Appointment] = field(default_factory=dict)
    senders: dict[tuple[uuid.UUID, str], ChannelSender] = field(default_factory=dict)
    opted_out: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    newest_update: dict[uuid.UUID, int] = field(default_factory=dict)
    _attachments: dict[tuple[uuid.UUID, int, str], Attachments] = field(default_factory=dict)

    def appointment(self, delivery: Delivery) -> Appointment | None:
        return self.appointments.get(delivery.appointment_id)

    def sender(self, application_id: uuid.UUID, channel: str) -> ChannelSender | None:
        return self.senders.get((application_id, channel))

    def is_opted_out(self, delivery: Delivery) -> bool:
        return (delivery.application_id, delivery.recipient) in self.opted_out

    def is_superseded(self, delivery: Delivery) -> bool:
        """A later UPDATE of the same appointment exists: this one would only repeat old news."""
        return self.newest_update.get(delivery.appointment_id, 0) > delivery.appointment_version

    def attachments(self, appointment: Appointment, notification_type: str) -> Attachments:
        """The .ics of an appointment, built once a batch for all its recipients."""
        key = (appointment.pk, appointment.version, notification_type)
        if key not in self._attachments:
            self._attachments[key] = tuple(
                email_attachments(appointment=appointment, notification_type=notification_type)
            )
        return self._attachments[key]


def batch_load(
    delivery_ids: Iterable[uuid.UUID | str], *, now: datetime, claim_id: uuid.UUID | str | None = None
) -> SendBatch:
    """The rows among `delivery_ids` still open and due (oldest first), with what sending them reads.

    With `claim_id`, only the rows that claim still holds.
    """
    rows = Delivery.objects.select_related("application", "template", "webhook_endpoint").filter(
        pk__in=list(delivery_ids), status__in=OPEN_STATUSES, due_at__lte=now
    )
    if claim_id is not None:
        rows = rows.filter(status=DeliveryStatus.CLAIMED, claim_id=claim_id)
    deliveries = list(rows.order_by("due_at", "pk"))
    batch = SendBatch(deliveries=deliveries)
    if deliveries:
        _load_appointments(batch)
        _load_senders(batch)
        _load_opt_outs(batch)
        _load_newest_updates(batch)
    return batch


def batch_of(delivery: Delivery) -> SendBatch:
    """A batch of one already-loaded row (the admin's test send, a single resend)."""
    batch = SendBatch(deliveries=[delivery])
    _load_appointments(batch)
    _load_senders(batch)
    _load_opt_outs(batch)
    _load_newest_updates(batch)
    return batch


def _load_appointments(batch: SendBatch) -> None:
    wanted = {d.appointment_id for d in batch.deliveries if d.type != NotificationType.CANCEL}
    if wanted:
        batch.appointments = (
            Appointment.objects.select_related("application").prefetch_related("participants").in_bulk(wanted)
        )


def _load_senders(batch: SendBatch) -> None:
    keys = {(d.application_id, d.channel) for d in batch.deliveries if d.channel != DeliveryChannel.WEBHOOK}
    if not keys:
        return
    rows = ChannelSender.objects.filter(
        application_id__in={app for app, _ in keys}, channel__in={channel for _, channel in keys}
    ).order_by("-pk")
    # Ordered newest first so that the oldest wins, as `senders.selectors.sender_get` picks it.
    batch.senders = {(row.application_id, row.channel): row for row in rows}


def _load_opt_outs(batch: SendBatch) -> None:
    texts = [d for d in batch.deliveries if d.channel == DeliveryChannel.SMS]
    if not texts:
        return
    rows = SmsOptOut.objects.filter(
        application_id__in={d.application_id for d in texts}, phone__in={d.recipient for d in texts}
    ).values_list("application_id", "phone")
    batch.opted_out = set(rows)


def _load_newest_updates(batch: SendBatch) -> None:
    updates = {d.appointment_id for d in batch.deliveries if d.type == NotificationType.UPDATE}
    if not updates:
        return
    newest = (
        Delivery.objects.filter(appointment_id__in=updates, type=NotificationType.UPDATE)
        .values("appointment_id")
        .annotate(newest=Max("appointment_version"))
        .values_list("appointment_id", "newest")
    )
    batch.newest_update = dict(newest)
