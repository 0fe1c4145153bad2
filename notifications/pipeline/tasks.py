"""Celery tasks: thin wrappers that take ids and call the pipeline, and the one function that queues them.

No task carries an ETA or countdown: the database row holds the schedule, so a
restarted broker or a redelivered message can neither lose nor repeat a reminder.
"""

import logging
import uuid
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings

from notifications.pipeline.claim import deliveries_release
from notifications.pipeline.sending import deliveries_send, delivery_send
from notifications.pipeline.tick import deliveries_tick

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_batch", ignore_result=True)
def deliveries_send_task(delivery_ids: list[str], claim_id: str | None = None) -> dict[str, int]:
    return dict(deliveries_send(delivery_ids=delivery_ids, claim_id=claim_id))


@shared_task(name="notifications.send", ignore_result=True)
def delivery_send_task(delivery_id: str) -> str:
    """One row a message: what versions before batches queued; kept for messages still in a queue."""
    return delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.dispatch_tick", ignore_result=True)
def dispatch_tick_task() -> dict[str, int]:
    return deliveries_tick(enqueue=deliveries_enqueue)


def deliveries_enqueue(delivery_ids: Iterable[uuid.UUID | str]) -> None:
    """Hand rows to the workers now, a send task per batch; a lost message is harmless.

    When the broker cannot take a batch, its rows and the rest are given back at once
    (CLAIMED to PENDING), so the next tick takes them instead of waiting out the lease.
    """
    claim_id = getattr(delivery_ids, "claim_id", None)  # a ClaimedBatch from the tick
    claim = str(claim_id) if claim_id else None
    ids = [str(delivery_id) for delivery_id in delivery_ids]
    size = settings.NOTIFICATIONS_SEND_BATCH_SIZE
    for start in range(0, len(ids), size):
        try:
            deliveries_send_task.delay(ids[start : start + size], claim)
        except Exception:  # the broker is down: the dispatch tick will find the rows
            logger.warning(
                "could not enqueue %s deliveries; the dispatch tick will", len(ids) - start, exc_info=True
            )
            deliveries_release(ids[start:])
            return
