"""Rows of the delivery log as the pipeline leaves them, for the console's tests."""

import itertools
from datetime import timedelta

from django.utils import timezone

from notifications.models import Delivery, DeliveryChannel, DeliveryStatus, NotificationType

_numbers = itertools.count(1)


def make_delivery(appointment, **fields) -> Delivery:
    """A delivery of `appointment` (an email UPDATE, PENDING, due now unless told otherwise)."""
    values = {
        "application_id": appointment.application_id,
        "appointment_id": appointment.pk,
        "type": NotificationType.UPDATE,
        "channel": DeliveryChannel.EMAIL,
        "recipient": f"person{next(_numbers)}@example.com",
        "due_at": timezone.now(),
        "status": DeliveryStatus.PENDING,
        "max_attempts": 5,
        "appointment_version": appointment.version,
    }
    values.update(fields)
    if values["status"] == DeliveryStatus.SENT and "sent_at" not in fields:
        values["sent_at"] = values["due_at"] + timedelta(seconds=2)
    return Delivery.objects.create(**values)
