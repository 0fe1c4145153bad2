"""Finding due work: the reconciler settles rows whose worker vanished, the claim takes due rows.

A claimed row is CLAIMED under a short lease, which the worker sending its batch
renews; `sending.deliveries_send` moves each row on to SENDING by compare-and-set
immediately before its provider call, so a row claimed twice is still sent once,
and a SENDING row whose lease ran out is one whose provider call had started.
"""

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.states import WORKER_LOST, WORKER_LOST_EXHAUSTED

logger = logging.getLogger(__name__)


def deliveries_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Settle rows whose lease expired: their worker died or never came.

    CLAIMED rows go back to PENDING: their provider call never started. SENDING rows
    had started it and may or may not have reached the provider. Webhooks are sent
    again under the same delivery id, which receivers deduplicate on. Email and SMS
    are FAILED with WORKER_LOST instead, and resend skips them unless asked: a person
    would rather miss a rare reminder than get two (docs/notifications-pipeline.md).
    """
    now = now or timezone.now()
    expired = Delivery.objects.filter(lease_expires_at__lt=now)
    reopened = expired.filter(status=DeliveryStatus.CLAIMED).update(
        status=DeliveryStatus.PENDING, lease_expires_at=None, claim_id=None, updated_at=now
    )
    lost = expired.filter(status=DeliveryStatus.SENDING)
    hooks = lost.filter(channel=DeliveryChannel.WEBHOOK)
    exhausted = hooks.filter(attempts__gte=F("max_attempts")).update(
        status=DeliveryStatus.FAILED, last_error=WORKER_LOST_EXHAUSTED, lease_expires_at=None, updated_at=now
    )
    resent = hooks.update(status=DeliveryStatus.PENDING, lease_expires_at=None, updated_at=now)
    failed = lost.update(
        status=DeliveryStatus.FAILED, last_error=WORKER_LOST, lease_expires_at=None, updated_at=now
    )
    if resent or failed or exhausted:
        logger.warning(
            "workers lost while sending: %s webhooks queued again, %s email/SMS failed, %s webhooks failed",
            resent,
            failed,
            exhausted,
        )
    return {"reopened": reopened, "resent": resent, "failed": failed + exhausted}


class ClaimedBatch(list[uuid.UUID]):
    """The ids of a send batch, and the claim they were taken under (`Delivery.claim_id`)."""

    # Django rebuilds a list it is given as a lookup value with type(value)(items): hence the default.
    def __init__(self, ids: Iterable[uuid.UUID] = (), claim_id: uuid.UUID | None = None) -> None:
        super().__init__(ids)
        self.claim_id = claim_id


def deliveries_claim(*, limit: int | None = None, now: datetime | None = None) -> list[uuid.UUID]:
    """Claim up to `limit` due PENDING rows for this caller: CLAIMED with a lease; their ids."""
    return [pk for pk, _, _ in _claim_rows(limit=limit, now=now, claim_id=uuid.uuid4())]


def deliveries_claim_batches(*, limit: int | None = None, now: datetime | None = None) -> list[ClaimedBatch]:
    """Claim like `deliveries_claim`; the ids in send batches of one application and channel each."""
    claim_id = uuid.uuid4()
    groups: dict[tuple[uuid.UUID, str], list[uuid.UUID]] = defaultdict(list)
    for pk, application_id, channel in _claim_rows(limit=limit, now=now, claim_id=claim_id):
        groups[(application_id, channel)].append(pk)
    size = settings.NOTIFICATIONS_SEND_BATCH_SIZE
    return [
        ClaimedBatch(ids[start : start + size], claim_id=claim_id)
        for ids in groups.values()
        for start in range(0, len(ids), size)
    ]


def deliveries_release(delivery_ids: Sequence[uuid.UUID | str]) -> int:
    """Give claimed rows back at once (their send task could not be queued): the next tick takes them."""
    return Delivery.objects.filter(pk__in=list(delivery_ids), status=DeliveryStatus.CLAIMED).update(
        status=DeliveryStatus.PENDING, lease_expires_at=None, claim_id=None, updated_at=timezone.now()
    )


def _claim_rows(
    *, limit: int | None, now: datetime | None, claim_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    limit = limit or settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, due_at__lte=now).order_by("due_at")
    columns = ("id", "application_id", "channel")
    claim = {
        "status": DeliveryStatus.CLAIMED,
        "lease_expires_at": lease,
        "claim_id": claim_id,
        "updated_at": now,
    }
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            # Rows another sweeper holds are skipped, not waited for: two ticks split the work.
            rows = list(due.select_for_update(skip_locked=True).values_list(*columns)[:limit])
            Delivery.objects.filter(pk__in=[row[0] for row in rows]).update(**claim)
        return rows
    # SQLite has no row locks (one writer at a time): claim each row by compare-and-set.
    candidates = list(due.values_list(*columns)[:limit])
    return [
        row
        for row in candidates
        if Delivery.objects.filter(pk=row[0], status=DeliveryStatus.PENDING).update(**claim)
    ]
