"""The app's Celery tasks, where Celery's autodiscovery looks: they live with the pipeline they drive."""

from notifications.pipeline.tasks import (
    deliveries_enqueue,
    deliveries_send_task,
    delivery_send_task,
    dispatch_tick_task,
)

__all__ = ["deliveries_enqueue", "deliveries_send_task", "delivery_send_task", "dispatch_tick_task"]
