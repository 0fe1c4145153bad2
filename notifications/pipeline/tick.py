"""The beat tick and its in-process twin: reconcile, claim due rows batch by batch, hand them on.

The tick only finds due rows and fans them out in batches of one application and
channel; sending is `sending.deliveries_send`,
which is safe against every duplicate the fan-out may produce (two ticks, a
re-delivered broker message, a message for a row the command already sent).
"""

import uuid
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from notifications.metrics import deliveries_reconciled_observe, tick_heartbeat_record, tick_observe
from notifications.pipeline.claim import deliveries_claim_batches, deliveries_reconcile
from notifications.pipeline.sending import deliveries_send


def deliveries_tick(*, enqueue: Callable[[list[uuid.UUID]], None]) -> dict[str, int]:
    """One beat tick: reconcile, then claim due rows and `enqueue` each send batch's ids.

    The Celery task passes `tasks.deliveries_enqueue` (one send task per batch). Batches
    are queued before their claim commits, so no claim outlives its hand-off: a tick
    killed in between rolls the claim back (the rows stay PENDING for the next tick), and
    a send task that starts first waits for the claim's row locks, then finds the rows
    CLAIMED (or PENDING, after a rollback), which its compare-and-set accepts alike.
    """
    summary = deliveries_reconcile()
    deliveries_reconciled_observe(summary)
    claimed = 0
    for _ in range(settings.NOTIFICATIONS_DISPATCH_MAX_BATCHES):
        with transaction.atomic():
            batches = deliveries_claim_batches()
            for ids in batches:
                enqueue(ids)
        count = sum(len(ids) for ids in batches)
        claimed += count
        if count < settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE:
            break
    summary["claimed"] = claimed
    tick_observe(claimed=claimed)
    tick_heartbeat_record()
    return summary


def deliveries_dispatch_now() -> Counter[str]:
    """Send every due row in this process (the dispatch_notifications command); outcomes counted."""
    outcomes: Counter[str] = Counter()
    deliveries_reconciled_observe(deliveries_reconcile())
    while True:
        batches = deliveries_claim_batches()
        if not batches:
            return outcomes
        for ids in batches:
            outcomes.update(deliveries_send(delivery_ids=ids, claim_id=ids.claim_id))
