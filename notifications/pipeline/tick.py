"""The beat tick and its in-process twin: reconcile, claim due rows batch by batch, hand them on.

The tick only finds due rows and fans them out; sending is `sending.delivery_send`,
which is safe against every duplicate the fan-out may produce (two ticks, a
re-delivered broker message, a message for a row the command already sent).
"""

import uuid
from collections import Counter
from collections.abc import Callable

from django.conf import settings

from notifications.pipeline.claim import deliveries_claim, deliveries_reconcile
from notifications.pipeline.sending import delivery_send


def deliveries_tick(*, enqueue: Callable[[list[uuid.UUID]], None]) -> dict[str, int]:
    """One beat tick: reconcile, then claim due rows batch by batch and `enqueue` each batch's ids.

    The Celery task passes `tasks.deliveries_enqueue` (one send task per row).
    """
    summary = deliveries_reconcile()
    claimed = 0
    for _ in range(settings.NOTIFICATIONS_DISPATCH_MAX_BATCHES):
        ids = deliveries_claim()
        if not ids:
            break
        enqueue(ids)
        claimed += len(ids)
        if len(ids) < settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE:
            break
    summary["claimed"] = claimed
    return summary


def deliveries_dispatch_now() -> Counter[str]:
    """Send every due row in this process (the dispatch_notifications command); outcomes counted."""
    outcomes: Counter[str] = Counter()
    deliveries_reconcile()
    while True:
        ids = deliveries_claim()
        if not ids:
            return outcomes
        for delivery_id in ids:
            outcomes[delivery_send(delivery_id=delivery_id)] += 1
