"""Celery tasks: thin wrappers that take ids and call the pipeline, and the one function that queues them.

No task carries an ETA or countdown: the database row holds the schedule, so a
restarted broker or a redelivered message can neither lose nor repeat a reminder.
"""

import logging
import uuid
from collections.abc import Iterable

from celery import shared_task

from notifications.pipeline.sending import delivery_send
from notifications.pipeline.tick import deliveries_tick

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send", ignore_result=True)
def delivery_send_task(delivery_id: str) -> str:
    return delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.dispatch_tick", ignore_result=True)
def dispatch_tick_task() -> dict[str, int]:
    return deliveries_tick(enqueue=deliveries_enqueue)


def deliveries_enqueue(delivery_ids: Iterable[uuid.UUID | str]) -> None:
    """Hand rows to the workers now; a lost message is harmless, the next tick claims the row."""
    for delivery_id in delivery_ids:
        try:
            delivery_send_task.delay(str(delivery_id))
        except Exception:  # the broker is down: the dispatch tick will find the row
            logger.warning(
                "could not enqueue delivery %s; the dispatch tick will", delivery_id, exc_info=True
            )
            return
