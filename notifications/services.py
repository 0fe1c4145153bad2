"""Writes of notification settings, sender verification, and messages sent while the caller waits."""

import logging
import secrets
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.api.fields import format_duration
from core.errors import Conflict, InvalidInput, NotFound
from notifications import rendering
from notifications.backends.base import DeliveryError, EmailMessage, SendResult, SmsMessage, get_backend
from notifications.backends.webhook import url_refusal_reason
from notifications.composition import email_from, sender_require
from notifications.errors import DeliveryFailed
from notifications.models import (
    TIMED_TYPES,
    Channel,
    ChannelSender,
    NotificationTemplate,
    NotificationType,
    SenderVerification,
    VerificationStatus,
    WebhookEndpoint,
)
from notifications.samples import sample_appointment, sample_organizer, sample_recipient, sample_start

logger = logging.getLogger(__name__)

# Errors name fields as the API does; services are the API's vocabulary.
API_FIELD_NAMES = {"subject": "subject", "text_body": "textBody", "html_body": "htmlBody"}
TEMPLATE_FIELDS = frozenset(
    {"type", "channel", "locale", "subject", "text_body", "html_body", "period", "active"}
)
WEBHOOK_FIELDS = frozenset({"url", "events", "secret", "active"})
MIN_SECRET_LENGTH = 16
CODE_DIGITS = 6


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        summary = "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items())
        raise InvalidInput(summary, fields=errors)


def _tag_errors(*, subject: str, text_body: str, html_body: str) -> dict[str, list[str]]:
    errors = rendering.template_errors(subject=subject, text_body=text_body, html_body=html_body)
    return {API_FIELD_NAMES[field]: messages for field, messages in errors.items()}


# --- templates -----------------------------------------------------------------


def template_create(
    *,
    application,
    type: str,
    channel: str,
    locale: str,
    subject: str = "",
    text_body: str = "",
    html_body: str = "",
    period: timedelta | None = None,
    active: bool = True,
) -> NotificationTemplate:
    template = NotificationTemplate(
        application=application,
        type=type,
        channel=channel,
        locale=locale,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        period=period,
        active=active,
    )
    _template_check(template)
    _template_save(template)
    return template


def template_update(*, template: NotificationTemplate, **changes) -> NotificationTemplate:
    unknown = set(changes) - TEMPLATE_FIELDS
    if unknown:
        raise TypeError(f"template_update() got unknown fields {sorted(unknown)}")
    for name, value in changes.items():
        setattr(template, name, value)
    _template_check(template)
    _template_save(template, update_fields=[*changes, "updated_at"])
    return template


def template_delete(*, template: NotificationTemplate) -> None:
    template.delete()


def _template_check(template: NotificationTemplate) -> None:
    errors = _tag_errors(subject=template.subject, text_body=template.text_body, html_body=template.html_body)
    if template.locale not in rendering.supported_locales():
        errors["locale"] = [
            f"{template.locale} is not a supported locale (see GET /api/notifications/locales)"
        ]
    if template.type in TIMED_TYPES and template.period is None:
        errors["period"] = ["is required for REMINDER and ROOM templates"]
    elif template.type in TIMED_TYPES and template.period <= timedelta(0):
        errors["period"] = ["must be longer than zero"]
    elif template.type not in TIMED_TYPES and template.period is not None:
        errors["period"] = ["applies only to REMINDER and ROOM templates"]
    if template.channel == Channel.SMS:
        if not template.text_body:
            errors.setdefault("textBody", ["is required for SMS templates"])
        if template.html_body:
            errors.setdefault("htmlBody", ["is not used by SMS templates; leave it empty"])
        if template.subject:
            errors.setdefault("subject", ["is not used by SMS templates; leave it empty"])
    else:
        if not template.subject:
            errors.setdefault("subject", ["is required for EMAIL templates"])
        if not (template.text_body or template.html_body):
            errors.setdefault("textBody", ["textBody or htmlBody is required for EMAIL templates"])
    _refuse(errors)


def _template_save(template: NotificationTemplate, update_fields=None) -> None:
    try:
        with transaction.atomic():
            template.save(update_fields=update_fields)
    except IntegrityError:
        period = f" and period {format_duration(template.period)}" if template.period else ""
        raise Conflict(
            f"a {template.type} {template.channel} template for {template.locale}{period} already exists"
        ) from None


# --- webhook endpoints ---------------------------------------------------------


def webhook_endpoint_create(
    *, application, url: str, events: list[str], secret: str = "", active: bool = True
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(application=application, url=url, events=events, secret=secret, active=active)
    _webhook_endpoint_check(endpoint)
    endpoint.events = list(dict.fromkeys(endpoint.events))
    endpoint.save()
    return endpoint


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    unknown = set(changes) - WEBHOOK_FIELDS
    if unknown:
        raise TypeError(f"webhook_endpoint_update() got unknown fields {sorted(unknown)}")
    for name, value in changes.items():
        setattr(endpoint, name, value)
    _webhook_endpoint_check(endpoint)
    endpoint.events = list(dict.fromkeys(endpoint.events))
    endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def _webhook_endpoint_check(endpoint: WebhookEndpoint) -> None:
    errors = {}
    reason = url_refusal_reason(endpoint.url)
    if reason:
        errors["url"] = [reason]
    unknown = [event for event in endpoint.events if event not in NotificationType.values]
    if not endpoint.events:
        errors["events"] = ["name at least one event"]
    elif unknown:
        errors["events"] = [f"unknown event {unknown[0]}; events are {', '.join(NotificationType.values)}"]
    if not endpoint.secret:
        errors["secret"] = ["is required: every delivery is signed with it"]
    elif len(endpoint.secret) < MIN_SECRET_LENGTH:
        errors["secret"] = [f"must be at least {MIN_SECRET_LENGTH} characters long"]
    _refuse(errors)


# --- sender verification -------------------------------------------------------


def sender_verification_start(
    *, application, channel: str, to: str, domain: str = "", from_name: str = "", from_number: str = ""
) -> SenderVerification:
    """Send a one-time code to `to` from the sender being verified; a newer code replaces older ones."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        SenderVerification.objects.filter(
            application=application, channel=channel, status=VerificationStatus.PENDING
        ).update(status=VerificationStatus.SUPERSEDED, updated_at=now)
        verification = SenderVerification(
            application=application,
            channel=channel,
            domain=domain,
            from_name=from_name,
            from_number=from_number,
            sent_to=to,
            expires_at=now + settings.NOTIFICATIONS_VERIFICATION_TTL,
        )
        verification.set_code(code)
        verification.save()
    try:
        _send(channel, _verification_message(verification, code, application))
    except DeliveryFailed:
        # The code never arrived: nobody can confirm it.
        verification.delete()
        raise
    return verification


def _verification_message(
    verification: SenderVerification, code: str, application
) -> EmailMessage | SmsMessage:
    minutes = max(1, int(settings.NOTIFICATIONS_VERIFICATION_TTL.total_seconds() // 60))
    text = f"Your verification code is {code}. It is valid for {minutes} minutes."
    if verification.channel == Channel.SMS:
        return SmsMessage(to=verification.sent_to, from_number=verification.from_number, body=text)
    sender = formataddr(
        (
            verification.from_name or application.name,
            f"{settings.NOTIFICATIONS_EMAIL_LOCAL_PART}@{verification.domain}",
        )
    )
    body = f"{text}\n\nEnter it to confirm that {application.name} can send email from {verification.domain}."
    return EmailMessage(
        to=verification.sent_to, from_email=sender, subject="Your verification code", text_body=body
    )


def sender_verification_confirm(*, application, channel: str, code: str) -> ChannelSender:
    """Check a code; a right one makes its sender the application's verified sender of the channel."""
    now = timezone.now()
    with transaction.atomic():
        verification = (
            SenderVerification.objects.select_for_update()
            .filter(application=application, channel=channel, status=VerificationStatus.PENDING)
            .order_by("-created_at")
            .first()
        )
        if verification is None or verification.is_expired(now):
            raise NotFound(f"no pending {channel} verification code: it expired, was used, or was never sent")
        if verification.code_matches(code):
            verification.status = VerificationStatus.CONFIRMED
            verification.save(update_fields=["status", "updated_at"])
            return _sender_verified(verification, now)
        # A wrong guess is counted and committed before the 400 goes out.
        verification.attempts += 1
        left = settings.NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS - verification.attempts
        if left <= 0:
            verification.status = VerificationStatus.EXHAUSTED
        verification.save(update_fields=["attempts", "status", "updated_at"])
    hint = f"{left} attempts left" if left > 0 else "no attempts left; request a new code"
    raise InvalidInput.for_field("code", f"the code is incorrect ({hint})")


def _sender_verified(verification: SenderVerification, now) -> ChannelSender:
    sender, _ = ChannelSender.objects.update_or_create(
        application=verification.application,
        channel=verification.channel,
        defaults={
            "domain": verification.domain,
            "from_name": verification.from_name,
            "from_number": verification.from_number,
            "verified_at": now,
            "verified_with": verification.sent_to,
        },
    )
    return sender


# --- messages sent while the caller waits ---------------------------------------


def direct_message_send(
    *, application, channel: str, to: str, subject: str = "", text_body: str, html_body: str = ""
) -> SendResult:
    """Send one message now from the application's verified sender.

    404 (ServiceUnavailable) when the channel is not verified or switched off,
    502 (DeliveryFailed) when the provider does not take the message.
    """
    sender = sender_require(application=application, channel=channel)
    if channel == Channel.EMAIL:
        message = EmailMessage(
            to=to,
            from_email=email_from(sender=sender, application=application),
            subject=subject,
            text_body=text_body,
            html_body=html_body,
        )
    elif channel == Channel.SMS:
        message = SmsMessage(to=to, from_number=sender.from_number, body=text_body)
    else:
        raise ValueError(f"direct_message_send() cannot send on channel {channel!r}")
    return _send(channel, message)


def notification_test_send(
    *,
    application,
    channel: str,
    to: str,
    type: str,
    locale: str,
    timezone_name: str,
    period: timedelta | None = None,
    subject: str = "",
    text_body: str = "",
    html_body: str = "",
) -> SendResult:
    """Render a template text with a sample appointment and send it to `to` now."""
    errors = _tag_errors(subject=subject, text_body=text_body, html_body=html_body)
    if type in TIMED_TYPES and period is None:
        errors["period"] = ["is required for REMINDER and ROOM notifications"]
    _refuse(errors)
    start = sample_start(now=timezone.now(), period=period if type in TIMED_TYPES else None)
    appointment = sample_appointment(
        application=application, start=start, timezone=timezone_name, locale=locale
    )
    recipient = sample_recipient(
        appointment, email=to if channel == Channel.EMAIL else "", phone=to if channel == Channel.SMS else ""
    )
    context = rendering.build_context(
        appointment=appointment, recipient=recipient, organizer=sample_organizer(appointment), locale=locale
    )
    rendered = rendering.render_message(
        subject=subject, text_body=text_body, html_body=html_body, context=context
    )
    return direct_message_send(
        application=application,
        channel=channel,
        to=to,
        subject=rendered.subject,
        text_body=rendered.text_body,
        html_body=rendered.html_body,
    )


def _send(channel: str, message) -> SendResult:
    backend = get_backend(channel)
    try:
        return backend.send(message)
    except DeliveryError as exc:
        logger.warning("%s message to %s not sent: %s", channel, message.to, exc.message)
        raise DeliveryFailed(exc) from exc


# --- the delivery pipeline (implemented in outbox.py and sending.py) -----------------------------
# Re-exported so that the admin, commands and APIs find every write in one place.
from notifications.outbox import (  # noqa: E402, F401
    ResendSummary,
    deliveries_cancel,
    deliveries_plan,
    deliveries_resend,
    deliveries_retry,
    notifications_resend,
)
from notifications.sending import (  # noqa: E402, F401
    delivery_provider_status_record,
    delivery_send,
    sms_opt_in,
    sms_opt_out_record,
)
