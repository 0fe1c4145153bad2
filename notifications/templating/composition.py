"""Turn a template and an appointment into the message a channel backend sends.

The delivery pipeline calls these, then `get_backend(channel).send(message)`.
"""

from email.utils import formataddr

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.backends.base import EmailMessage, SmsMessage, WebhookMessage
from notifications.models import Channel, ChannelSender
from notifications.senders.selectors import sender_require
from notifications.templating import rendering


def email_from(*, sender: ChannelSender, application) -> str:
    """ "From Name <no-reply@domain>", quoted and encoded as mail headers need."""
    return formataddr((sender.from_name or application.name, sender.email_address))


def email_compose(*, template, appointment, recipient, organizer=None) -> EmailMessage:
    application = appointment.application
    sender = sender_require(application=application, channel=Channel.EMAIL)
    rendered = _render(template, appointment, recipient, organizer)
    return EmailMessage(
        to=recipient.email,
        from_email=email_from(sender=sender, application=application),
        subject=rendered.subject,
        text_body=rendered.text_body,
        html_body=rendered.html_body,
        attachments=email_attachments(appointment=appointment, notification_type=template.type),
    )


def sms_compose(*, template, appointment, recipient, organizer=None) -> SmsMessage:
    sender = sender_require(application=appointment.application, channel=Channel.SMS)
    rendered = _render(template, appointment, recipient, organizer)
    return SmsMessage(to=recipient.phone, from_number=sender.from_number, body=rendered.text_body)


def webhook_compose(
    *, endpoint, event: str, appointment, appointment_payload: dict, delivery_id
) -> WebhookMessage:
    """`appointment_payload` is the appointment as the appointments API shows it."""
    headers = appointment.notification_headers if isinstance(appointment.notification_headers, dict) else {}
    return WebhookMessage(
        url=endpoint.url,
        secret=endpoint.secret,
        event=event,
        payload={"event": event, "appointment": appointment_payload},
        delivery_id=str(delivery_id),
        headers=dict(headers),
    )


def email_attachments(*, appointment, notification_type: str) -> tuple[tuple[str, bytes, str], ...]:
    """Files to attach (the .ics), from the hook named by NOTIFICATIONS_EMAIL_ATTACHMENTS_HOOK."""
    hook_path = settings.NOTIFICATIONS_EMAIL_ATTACHMENTS_HOOK
    if not hook_path:
        return ()
    hook = import_string(hook_path)
    return tuple(hook(appointment=appointment, notification_type=notification_type))


def _render(template, appointment, recipient, organizer) -> rendering.RenderedMessage:
    context = rendering.build_context(
        appointment=appointment, recipient=recipient, organizer=organizer, locale=template.locale
    )
    return rendering.render_message(
        subject=template.subject, text_body=template.text_body, html_body=template.html_body, context=context
    )
