"""The participant.confirmed and participant.declined webhooks, planned when a participant answers.

`deliveries_plan_for_confirmation` is subscribed to participants'
PARTICIPANT_CONFIRMATION_RECORDED (NotificationsConfig.ready) and runs in the
recording transaction, so the rows commit with the answer or not at all. Each row
carries the answer as it was given (`snapshot["participant"]`): if the customer
changes their mind before it is sent, the participant.confirmed that goes out still
says CONFIRMED, and the participant.declined after it says DECLINED.
"""

import json
from typing import Any

from django.conf import settings
from django.utils import timezone

from appointments.models import Appointment
from appointments.participant_serializers import ParticipantConfirmationSerializer
from notifications.backends.webhook import encode_body
from notifications.models import Delivery, DeliveryChannel, WebhookEndpoint, WebhookEvent
from notifications.pipeline.outbox import deliveries_save
from notifications.pipeline.states import notifications_on
from participants.confirmations import ConfirmationRecorded
from participants.models import Confirmation, Participant

EVENT_OF_ANSWER = {
    Confirmation.CONFIRMED: WebhookEvent.PARTICIPANT_CONFIRMED,
    Confirmation.DECLINED: WebhookEvent.PARTICIPANT_DECLINED,
}


def deliveries_plan_for_confirmation(event: ConfirmationRecorded) -> None:
    """The PARTICIPANT_CONFIRMATION_RECORDED handler: plan its webhooks in the recording transaction."""
    deliveries_plan_for_answer(participant=event.participant)


def deliveries_plan_for_answer(*, participant: Participant) -> list[Delivery]:
    """One webhook row per active endpoint subscribed to the participant's answer, due now."""
    webhook_event = EVENT_OF_ANSWER.get(Confirmation(participant.confirmation))
    if webhook_event is None:
        return []
    appointment = Appointment.objects.select_related("application").get(pk=participant.appointment_id)
    if not notifications_on(appointment):
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(application_id=appointment.application_id, active=True)
        if webhook_event in endpoint.events
    ]
    now = timezone.now()
    snapshot = {"participant": participant_payload(participant)}
    rows = [
        Delivery(
            application_id=appointment.application_id,
            appointment_id=appointment.pk,
            type=webhook_event,
            channel=DeliveryChannel.WEBHOOK,
            recipient=endpoint.url,
            webhook_endpoint=endpoint,
            participant_id=participant.participant_id,
            participant_ids=[participant.participant_id],
            due_at=now,
            max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
            appointment_version=appointment.version,
            snapshot=snapshot,
        )
        for endpoint in endpoints
    ]
    return deliveries_save(rows)


def participant_payload(participant: Participant) -> dict[str, Any]:
    """The answer as GET /api/appointments/{id}/confirmations shows it, as plain JSON values."""
    return json.loads(encode_body(ParticipantConfirmationSerializer(participant).data))
