"""Finding due work: the reconciler, the claim, the beat tick and the in-process dispatch.

The tick only finds due rows and fans them out; sending is `sending.delivery_send`,
which is safe against every duplicate the fan-out may produce (two ticks, a
re-delivered broker message, a message for a row the command already sent).
"""

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from notifications.outbox import deliveries_enqueue
from notifications.sending import delivery_send

logger = logging.getLogger(__name__)

WORKER_LOST = "worker lost while sending; not retried to avoid a duplicate"
WORKER_LOST_EXHAUSTED = "worker lost while sending; no attempts left"


def deliveries_reconcile(*, now=None) -> dict[str, int]:
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


def deliveries_claim(*, limit: int | None = None, now=None) -> list:
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


def deliveries_tick() -> dict[str, int]:
    """One beat tick: reconcile, then claim due rows batch by batch and queue one send task each."""
    summary = deliveries_reconcile()
    claimed = 0
    for _ in range(settings.NOTIFICATIONS_DISPATCH_MAX_BATCHES):
        ids = deliveries_claim()
        if not ids:
            break
        deliveries_enqueue(ids)
        claimed += len(ids)
        if len(ids) < settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE:
            break
    summary["claimed"] = claimed
    return summary


def deliveries_dispatch_now() -> Counter:
    """Send every due row in this process (the dispatch_notifications command); outcomes counted."""
    outcomes = Counter()
    deliveries_reconcile()
    while True:
        ids = deliveries_claim()
        if not ids:
            return outcomes
        for delivery_id in ids:
            outcomes[delivery_send(delivery_id=delivery_id)] += 1
