"""Turn a template and an appointment into the message a channel backend sends.

The pipeline calls these when a delivery is sent (messages.py) or a CANCEL is
snapshotted (snapshots.py), then `get_backend(channel).send(message)`. Every
HTML email gets the shared layout (templating.layout.email_html) and the
appointment's .ics invitation (calendars.attachments).
"""

import uuid
from typing import Any

from appointments.models import Appointment
from calendars.attachments import email_attachments
from notifications.backends.base import EmailMessage, SmsMessage, WebhookMessage
from notifications.models import Channel, ChannelSender, NotificationTemplate, WebhookEndpoint
from notifications.senders.selectors import sender_require
from notifications.templating import rendering
from notifications.templating.layout import email_html
from notifications.templating.replies import reply_prompt_wanted
from participants.models import Participant


def email_compose(
    *,
    template: NotificationTemplate,
    appointment: Appointment,
    recipient: Participant,
    organizer: Participant | None = None,
    sender: ChannelSender | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] | None = None,
) -> EmailMessage:
    """`sender` and `attachments` are looked up when not given (a batch passes what it has read)."""
    application = appointment.application
    sender = sender or sender_require(application=application, channel=Channel.EMAIL)
    rendered = _render(template, appointment, recipient, organizer)
    headers = sender.email_headers(application_name=application.name)
    if attachments is None:
        attachments = tuple(email_attachments(appointment=appointment, notification_type=template.type))
    return EmailMessage(
        to=recipient.email,
        from_email=headers.from_header,
        subject=rendered.subject,
        text_body=rendered.text_body,
        html_body=email_html(rendered.html_body, application=application),
        attachments=attachments,
        headers=headers.extra(),
    )


def sms_compose(
    *,
    template: NotificationTemplate,
    appointment: Appointment,
    recipient: Participant,
    organizer: Participant | None = None,
    sender: ChannelSender | None = None,
) -> SmsMessage:
    sender = sender or sender_require(application=appointment.application, channel=Channel.SMS)
    rendered = _render(template, appointment, recipient, organizer)
    return SmsMessage(to=recipient.phone, from_number=sender.from_number, body=rendered.text_body)


def webhook_compose(
    *,
    endpoint: WebhookEndpoint,
    event: str,
    appointment: Appointment,
    appointment_payload: dict[str, Any],
    delivery_id: uuid.UUID | str,
    extra: dict[str, Any] | None = None,
) -> WebhookMessage:
    """`appointment_payload` is the appointment as the appointments API shows it; `extra` adds to the body."""
    return WebhookMessage(
        url=endpoint.url,
        secret=endpoint.secret,
        event=event,
        payload={"event": event, "appointment": appointment_payload, **(extra or {})},
        delivery_id=str(delivery_id),
        headers=webhook_headers(appointment),
    )


def webhook_headers(appointment: Appointment) -> dict[str, Any]:
    """The client's notificationHeaders, sent with every webhook of the appointment."""
    headers = appointment.notification_headers
    return dict(headers) if isinstance(headers, dict) else {}


def _render(
    template: NotificationTemplate,
    appointment: Appointment,
    recipient: Participant,
    organizer: Participant | None,
) -> rendering.RenderedMessage:
    context = rendering.build_context(
        appointment=appointment,
        recipient=recipient,
        organizer=organizer,
        locale=template.locale,
        with_reply_prompt=reply_prompt_wanted(appointment.application, template.channel),
    )
    return rendering.render_message(
        subject=template.subject, text_body=template.text_body, html_body=template.html_body, context=context
    )
