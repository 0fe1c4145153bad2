"""Celery tasks: thin wrappers that take ids and call the pipeline's services.

No task carries an ETA or countdown: the database row holds the schedule, so a
restarted broker or a redelivered message can neither lose nor repeat a reminder.
"""

from celery import shared_task

from notifications.dispatch import deliveries_tick
from notifications.sending import delivery_send


@shared_task(name="notifications.send", ignore_result=True)
def delivery_send_task(delivery_id: str) -> str:
    return delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.dispatch_tick", ignore_result=True)
def dispatch_tick_task() -> dict:
    return deliveries_tick()
