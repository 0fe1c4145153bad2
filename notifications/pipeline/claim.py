"""Finding due work: the reconciler settles rows whose worker vanished, the claim takes due rows.

A claimed row is CLAIMED under a lease; `sending.delivery_send` moves it on to
SENDING by compare-and-set, so a row claimed twice is still sent once.
"""

import logging
import uuid
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

    CLAIMED rows go back to PENDING: nothing was sent. SENDING rows may or may not
    have reached the provider. Webhooks are sent again under the same delivery id,
    which receivers deduplicate on. Email and SMS are FAILED instead: a person
    would rather miss a rare reminder than get two (docs/notifications-pipeline.md).
    """
    now = now or timezone.now()
    expired = Delivery.objects.filter(lease_expires_at__lt=now)
    reopened = expired.filter(status=DeliveryStatus.CLAIMED).update(
        status=DeliveryStatus.PENDING, lease_expires_at=None, updated_at=now
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


def deliveries_claim(*, limit: int | None = None, now: datetime | None = None) -> list[uuid.UUID]:
    """Claim up to `limit` due PENDING rows for this caller: CLAIMED with a lease; their ids."""
    limit = limit or settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, due_at__lte=now).order_by("due_at")
    claim = {"status": DeliveryStatus.CLAIMED, "lease_expires_at": lease, "updated_at": now}
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            # Rows another sweeper holds are skipped, not waited for: two ticks split the work.
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
            Delivery.objects.filter(pk__in=ids).update(**claim)
        return ids
    # SQLite has no row locks (one writer at a time): claim each row by compare-and-set.
    candidates = list(due.values_list("id", flat=True)[:limit])
    return [
        pk
        for pk in candidates
        if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(**claim)
    ]
