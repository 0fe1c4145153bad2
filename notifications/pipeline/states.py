"""The vocabulary of a delivery's life: why rows are cancelled and what a send attempt came to.

Shared by every step of the pipeline and by the admin and APIs that show it;
it imports nothing of the pipeline itself.
"""

from appointments.models import Appointment
from notifications.models import WebhookEvent

# Events whose rows carry their whole message in the snapshot, written when the event was
# raised (pipeline/attendance.py): what was true then, sent even if the appointment changed.
SNAPSHOT_EVENTS = (WebhookEvent.CUSTOMER_WAITING, WebhookEvent.APPOINTMENT_NO_SHOW)

# Why a row was cancelled (Delivery.cancel_reason).
LATE_REASON = "reminder time passed after the appointment started"
RESCHEDULED_REASON = "the appointment was rescheduled"
DELETED_REASON = "the appointment was deleted"
ENDED_REASON = "the appointment ended"
SUPERSEDED_REASON = "superseded by a later change"
REMOVED_REASON = "the recipient no longer takes part"
OPTED_OUT_REASON = "the recipient opted out of SMS (replied STOP)"
REPLANNED_REASON = "re-planned after the notification templates or settings changed"

# What the reconciler writes on a row whose worker died during its provider call
# (Delivery.last_error): the outcome is unknown, the message may have been delivered.
WORKER_LOST = "worker lost during the provider call; it may have been delivered, so it is not sent again"
WORKER_LOST_EXHAUSTED = "worker lost while sending; no attempts left"
# Failures whose message may have reached the recipient: resend holds them back unless asked.
OUTCOME_UNKNOWN_ERRORS = (WORKER_LOST, WORKER_LOST_EXHAUSTED)

# What one call of delivery_send came to.
SENT, RETRIED, FAILED, CANCELLED, SKIPPED = "sent", "retried", "failed", "cancelled", "skipped"


def notifications_on(appointment: Appointment) -> bool:
    """Whether anything is sent for the appointment: both it and its application must allow it."""
    return bool(appointment.notifications_active and appointment.application.notifications_active)
