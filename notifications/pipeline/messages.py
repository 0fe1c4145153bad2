"""What to send for a delivery: the message, rendered from the appointment as it is now.

A delivery that must not go out any more (the appointment is over, the
recipient left, the template was switched off, ...) raises DeliveryCancelled
with the reason the delivery log shows.
"""

from dataclasses import replace

from django.conf import settings
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import has_ended
from appointments.services import appointment_activate
from calendars.attachments import email_attachments
from notifications.backends.base import EmailMessage, Message, SmsMessage, WebhookMessage
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import (
    HELP_REPLY,
    ChannelSender,
    Delivery,
    DeliveryChannel,
    NotificationType,
    WebhookEndpoint,
)
from notifications.pipeline import composition
from notifications.pipeline.batch import SendBatch, batch_of
from notifications.pipeline.snapshots import appointment_payload
from notifications.pipeline.states import (
    LATE_REASON,
    OPTED_OUT_REASON,
    SNAPSHOT_EVENTS,
    SUPERSEDED_REASON,
    notifications_on,
)
from participants.models import Participant

TWILIO_STATUS_PATH = "/api/notifications/twilio/status"


class DeliveryCancelled(Exception):
    """The delivery must not be sent any more; `reason` goes into the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def delivery_message(delivery: Delivery, batch: SendBatch | None = None) -> Message:
    """The message to send for a delivery, from the appointment as it is now (CANCEL: the snapshot).

    `batch` holds what was read for the delivery's batch (batch.batch_load); without it
    the reads are made for this row alone.
    """
    batch = batch or batch_of(delivery)
    if delivery.channel == DeliveryChannel.SMS and batch.is_opted_out(delivery):
        raise DeliveryCancelled(OPTED_OUT_REASON)
    if delivery.type == NotificationType.CANCEL or delivery.type in SNAPSHOT_EVENTS:
        return _snapshot_message(delivery, batch)
    if delivery.type == HELP_REPLY:
        return _help_reply_message(delivery, batch)
    appointment = _current_appointment(delivery, batch)
    if delivery.channel == DeliveryChannel.WEBHOOK:
        # The participant.* events carry the answer as it was given (pipeline/participant_events.py).
        participant = (delivery.snapshot or {}).get("participant")
        return composition.webhook_compose(
            endpoint=_endpoint(delivery),
            event=delivery.type,
            appointment=appointment,
            appointment_payload=appointment_payload(appointment),
            delivery_id=delivery.pk,
            extra={"participant": participant} if participant else None,
        )
    template = delivery.template
    if template is None or not template.active:
        raise DeliveryCancelled("the template was deleted or deactivated")
    recipient = _served_recipient(delivery, appointment)
    sender = _sender(delivery, batch)
    if delivery.channel == DeliveryChannel.EMAIL:
        email = composition.email_compose(
            template=template,
            appointment=appointment,
            recipient=recipient,
            sender=sender,
            attachments=batch.attachments(appointment, template.type),
        )
        headers = {**email.headers, DELIVERY_HEADER: str(delivery.pk)}  # keeps Reply-To
        return replace(email, to=delivery.recipient, headers=headers)
    sms = composition.sms_compose(
        template=template, appointment=appointment, recipient=recipient, sender=sender
    )
    return replace(sms, to=delivery.recipient, status_callback=status_callback_url())


def _sender(delivery: Delivery, batch: SendBatch) -> ChannelSender:
    sender = batch.sender(delivery.application_id, delivery.channel)
    if sender is None:  # the sender was removed or never verified since the row was planned
        raise DeliveryCancelled(
            f"the {delivery.channel} channel of application {delivery.application_id} is not verified"
        )
    return sender


def _served_recipient(delivery: Delivery, appointment: Appointment) -> Participant:
    """The first participant the row serves who still takes part: the message is rendered for them."""
    present = {p.participant_id: p for p in appointment.participants.all()}
    served = delivery.participant_ids or [delivery.participant_id]
    recipient = next((present[served_id] for served_id in served if served_id in present), None)
    if recipient is None:
        raise DeliveryCancelled("the recipient no longer takes part")
    return recipient


def _current_appointment(delivery: Delivery, batch: SendBatch) -> Appointment:
    appointment = batch.appointment(delivery)
    if appointment is None:
        raise DeliveryCancelled("the appointment no longer exists")
    if not notifications_on(appointment):
        raise DeliveryCancelled("notifications are switched off for this appointment or application")
    if delivery.type == NotificationType.UPDATE and batch.is_superseded(delivery):
        raise DeliveryCancelled(SUPERSEDED_REASON)
    if delivery.type in (NotificationType.REMINDER, NotificationType.ROOM):
        now = timezone.now()
        if has_ended(appointment, now=now):
            raise DeliveryCancelled("the appointment is over")
        if delivery.type == NotificationType.REMINDER and now >= appointment.start:
            raise DeliveryCancelled(LATE_REASON)
    if delivery.type == NotificationType.ROOM and not appointment.room_url:
        appointment = _activated(appointment)
    return appointment


def _activated(appointment: Appointment) -> Appointment:
    """Activate first, so that the link a ROOM notification carries works."""
    activated = appointment_activate(appointment=appointment)
    appointment.room_url, appointment.activated_at = activated.room_url, activated.activated_at
    appointment.version = activated.version
    return appointment


def _endpoint(delivery: Delivery) -> WebhookEndpoint:
    endpoint = delivery.webhook_endpoint
    if endpoint is None or not endpoint.active:
        raise DeliveryCancelled("the webhook endpoint was deleted or deactivated")
    return endpoint


def _snapshot_message(delivery: Delivery, batch: SendBatch) -> Message:
    """A CANCEL is sent from the snapshot taken when the appointment was deleted, attendance events
    (SNAPSHOT_EVENTS) from the one taken when they were raised; a webhook's `fields` join its payload."""
    snapshot = delivery.snapshot or {}
    application = delivery.application
    if not application.notifications_active:
        raise DeliveryCancelled("notifications are switched off for this application")
    if delivery.channel == DeliveryChannel.WEBHOOK:
        endpoint = _endpoint(delivery)
        return WebhookMessage(
            url=endpoint.url,
            secret=endpoint.secret,
            event=delivery.type,
            payload={
                "event": delivery.type,
                "appointment": snapshot.get("payload", {}),
                **snapshot.get("fields", {}),
            },
            delivery_id=str(delivery.pk),
            headers=dict(snapshot.get("headers") or {}),
        )
    sender = _sender(delivery, batch)
    if delivery.channel == DeliveryChannel.SMS:
        return SmsMessage(
            to=delivery.recipient,
            from_number=sender.from_number,
            body=snapshot.get("body", ""),
            status_callback=status_callback_url(),
        )
    event = snapshot.get("event")
    from_headers = sender.email_headers(application_name=application.name)
    return EmailMessage(
        to=delivery.recipient,
        from_email=from_headers.from_header,
        subject=snapshot.get("subject", ""),
        text_body=snapshot.get("text_body", ""),
        html_body=snapshot.get("html_body", ""),
        attachments=tuple(email_attachments(appointment=event, notification_type=NotificationType.CANCEL))
        if event
        else (),
        headers={**from_headers.extra(), DELIVERY_HEADER: str(delivery.pk)},
    )


def _help_reply_message(delivery: Delivery, batch: SendBatch) -> SmsMessage:
    """The help text written when the reply came in (pipeline/replies.py); it needs no template."""
    if not delivery.application.notifications_active:
        raise DeliveryCancelled("notifications are switched off for this application")
    return SmsMessage(
        to=delivery.recipient,
        from_number=_sender(delivery, batch).from_number,
        body=(delivery.snapshot or {}).get("body", ""),
        status_callback=status_callback_url(),
    )


def status_callback_url() -> str:
    """Where Twilio reports what became of an SMS (empty: do not ask)."""
    if not settings.NOTIFICATIONS_TWILIO_STATUS_CALLBACK:
        return ""
    return f"{settings.PUBLIC_BASE_URL}{TWILIO_STATUS_PATH}"
