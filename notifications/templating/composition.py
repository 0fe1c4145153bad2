"""Turn a template and an appointment into the message a channel backend sends.

The delivery pipeline calls these, then `get_backend(channel).send(message)`.
Every HTML email, composed here or sent directly, gets its layout from `email_html`.
"""

import re
from email.utils import formataddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from notifications.backends.base import EmailMessage, SmsMessage, WebhookMessage
from notifications.models import Channel, ChannelSender
from notifications.senders.selectors import sender_require
from notifications.templating import rendering

EMAIL_LAYOUT = "email/layout.html"
_DOCUMENT_BODY = re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.IGNORECASE | re.DOTALL)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)


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
        html_body=email_html(rendered.html_body, application=application),
        attachments=email_attachments(appointment=appointment, notification_type=template.type),
    )


def email_html(body: str, *, application) -> str:
    """The HTML part of an email: `body` inside the shared layout; "" stays "" (a text-only email)."""
    if not body:
        return ""
    content, styles = body, ""
    document = _DOCUMENT_BODY.search(body)
    if document:
        # A template written as a whole document: its <body> goes into the layout,
        # its <style> elements into the layout's <head>, so nothing nests a second <html>.
        content, styles = document.group(1), "".join(_STYLE.findall(body[: document.start()]))
    # The layout takes body and styles as they are: they are HTML already, in which
    # rendering.render escaped every value and kept the template's own markup.
    return render_to_string(
        EMAIL_LAYOUT, {"application_name": application.name, "body": content, "styles": styles}
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
