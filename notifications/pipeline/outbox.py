"""The outbox: delivery rows written in the transaction of the change that causes them.

Rows due now are handed to a worker once that transaction commits; the rest
wait for the dispatch tick. A rolled-back change leaves no row and sends nothing.
"""

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from notifications.models import OPEN_STATUSES, Delivery, DeliveryStatus
from notifications.pipeline.tasks import deliveries_enqueue


def deliveries_save(rows: list[Delivery]) -> list[Delivery]:
    """Insert `rows`; those due now are queued for sending when the surrounding transaction commits."""
    if not rows:
        return rows
    Delivery.objects.bulk_create(rows)
    now = timezone.now()
    due = [row.pk for row in rows if row.status == DeliveryStatus.PENDING and row.due_at <= now]
    if due:
        transaction.on_commit(lambda: deliveries_enqueue(due))
    return rows


def deliveries_cancel(
    *,
    appointment_id: uuid.UUID,
    reason: str,
    types: Iterable[str] | None = None,
    participant_id: str | None = None,
) -> int:
    """Cancel the rows of an appointment that no worker has started to send."""
    rows = Delivery.objects.filter(appointment_id=appointment_id, status__in=OPEN_STATUSES)
    if types is not None:
        rows = rows.filter(type__in=list(types))
    if participant_id is not None:
        rows = rows.filter(participant_id=participant_id)
    return rows.update(
        status=DeliveryStatus.CANCELLED,
        cancel_reason=reason,
        lease_expires_at=None,
        updated_at=timezone.now(),
    )
