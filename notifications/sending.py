"""Send one delivery: claim it by compare-and-set, re-check it, render it fresh, send, record.

Whoever calls `delivery_send` (a Celery task, the dispatch command, a test),
however many times and at once, the provider is called at most once per claim:
only the caller whose conditional UPDATE moves the row to SENDING goes on.
"""

import logging
import random
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.errors import ServiceUnavailable
from notifications import composition
from notifications.backends.base import (
    DeliveryError,
    EmailMessage,
    SendResult,
    SmsMessage,
    WebhookMessage,
    get_backend,
)
from notifications.backends.sms import UNSUBSCRIBED
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import (
    OPEN_STATUSES,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    NotificationType,
    SmsOptOut,
)
from notifications.outbox import LATE_REASON, SUPERSEDED_REASON, appointment_payload, notifications_on

logger = logging.getLogger(__name__)

SENT, RETRIED, FAILED, CANCELLED, SKIPPED = "sent", "retried", "failed", "cancelled", "skipped"
OPTED_OUT_REASON = "the recipient opted out of SMS (replied STOP)"
TWILIO_STATUS_PATH = "/api/notifications/twilio/status"


class _Cancel(Exception):
    """The delivery must not be sent any more; `reason` goes into the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def delivery_send(*, delivery_id) -> str:
    """Send the delivery if it is still open and due; return what happened (sent, retried, ...)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)
    taken = Delivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, due_at__lte=now).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, lease_expires_at=lease, updated_at=now
    )
    if not taken:
        return SKIPPED  # someone else has it, it was cancelled, or it is not due yet
    delivery = Delivery.objects.select_related("application", "template", "webhook_endpoint").get(
        pk=delivery_id
    )
    try:
        message = delivery_message(delivery)
        result = get_backend(delivery.channel).send(message)
    except _Cancel as cancel:
        return _record_cancelled(delivery, cancel.reason)
    except ServiceUnavailable as exc:  # the channel was switched off in settings
        return _record_cancelled(delivery, str(exc))
    except DeliveryError as exc:
        return _record_failure(delivery, exc)
    except Exception as exc:  # a bug or an outage on our side: retry rather than strand the row
        logger.exception("delivery %s could not be sent", delivery.pk)
        return _record_failure(delivery, DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False))
    return _record_sent(delivery, result)


# --- what to send ------------------------------------------------------------------------


def delivery_message(delivery: Delivery):
    """The message to send for a delivery, from the appointment as it is now (CANCEL: the snapshot)."""
    if delivery.channel == DeliveryChannel.SMS and _opted_out(delivery):
        raise _Cancel(OPTED_OUT_REASON)
    if delivery.type == NotificationType.CANCEL:
        return _cancel_message(delivery)
    appointment = _current_appointment(delivery)
    if delivery.channel == DeliveryChannel.WEBHOOK:
        endpoint = _endpoint(delivery)
        return composition.webhook_compose(
            endpoint=endpoint,
            event=delivery.type,
            appointment=appointment,
            appointment_payload=appointment_payload(appointment),
            delivery_id=delivery.pk,
        )
    template = delivery.template
    if template is None or not template.active:
        raise _Cancel("the template was deleted or deactivated")
    recipient = next(
        (p for p in appointment.participants.all() if p.participant_id == delivery.participant_id), None
    )
    if recipient is None:
        raise _Cancel("the recipient no longer takes part")
    try:
        if delivery.channel == DeliveryChannel.EMAIL:
            message = composition.email_compose(
                template=template, appointment=appointment, recipient=recipient
            )
            return replace(message, to=delivery.recipient, headers={DELIVERY_HEADER: str(delivery.pk)})
        message = composition.sms_compose(template=template, appointment=appointment, recipient=recipient)
        return replace(message, to=delivery.recipient, status_callback=_status_callback())
    except ServiceUnavailable as exc:  # the sender is no longer verified
        raise _Cancel(str(exc)) from None


def _current_appointment(delivery: Delivery):
    from appointments.models import Appointment
    from appointments.selectors import has_ended

    appointment = (
        Appointment.objects.select_related("application")
        .prefetch_related("participants")
        .filter(pk=delivery.appointment_id)
        .first()
    )
    if appointment is None:
        raise _Cancel("the appointment no longer exists")
    if not notifications_on(appointment):
        raise _Cancel("notifications are switched off for this appointment or application")
    if delivery.type == NotificationType.UPDATE and appointment.version != delivery.appointment_version:
        newer = Delivery.objects.filter(
            appointment_id=delivery.appointment_id,
            type=NotificationType.UPDATE,
            appointment_version__gt=delivery.appointment_version,
        )
        if newer.exists():
            raise _Cancel(SUPERSEDED_REASON)
    if delivery.type in (NotificationType.REMINDER, NotificationType.ROOM):
        now = timezone.now()
        if has_ended(appointment, now=now):
            raise _Cancel("the appointment is over")
        if delivery.type == NotificationType.REMINDER and now >= appointment.start:
            raise _Cancel(LATE_REASON)
    if delivery.type == NotificationType.ROOM and not appointment.room_url:
        appointment = _activated(appointment)
    return appointment


def _activated(appointment):
    """Activate first, so that the link a ROOM notification carries works."""
    from appointments.services import appointment_activate

    activated = appointment_activate(appointment=appointment)
    appointment.room_url, appointment.activated_at = activated.room_url, activated.activated_at
    appointment.version = activated.version
    return appointment


def _endpoint(delivery: Delivery):
    endpoint = delivery.webhook_endpoint
    if endpoint is None or not endpoint.active:
        raise _Cancel("the webhook endpoint was deleted or deactivated")
    return endpoint


def _cancel_message(delivery: Delivery):
    snapshot = delivery.snapshot or {}
    application = delivery.application
    if not application.notifications_active:
        raise _Cancel("notifications are switched off for this application")
    if delivery.channel == DeliveryChannel.WEBHOOK:
        endpoint = _endpoint(delivery)
        return WebhookMessage(
            url=endpoint.url,
            secret=endpoint.secret,
            event=delivery.type,
            payload={"event": delivery.type, "appointment": snapshot.get("payload", {})},
            delivery_id=str(delivery.pk),
            headers=dict(snapshot.get("headers") or {}),
        )
    try:
        sender = composition.sender_require(application=application, channel=delivery.channel)
    except ServiceUnavailable as exc:
        raise _Cancel(str(exc)) from None
    if delivery.channel == DeliveryChannel.SMS:
        return SmsMessage(
            to=delivery.recipient,
            from_number=sender.from_number,
            body=snapshot.get("body", ""),
            status_callback=_status_callback(),
        )
    return EmailMessage(
        to=delivery.recipient,
        from_email=composition.email_from(sender=sender, application=application),
        subject=snapshot.get("subject", ""),
        text_body=snapshot.get("text_body", ""),
        html_body=snapshot.get("html_body", ""),
        attachments=composition.email_attachments(
            appointment=snapshot["event"], notification_type=NotificationType.CANCEL
        )
        if snapshot.get("event")
        else (),
        headers={DELIVERY_HEADER: str(delivery.pk)},
    )


def _opted_out(delivery: Delivery) -> bool:
    return SmsOptOut.objects.filter(application_id=delivery.application_id, phone=delivery.recipient).exists()


def _status_callback() -> str:
    if not settings.NOTIFICATIONS_TWILIO_STATUS_CALLBACK:
        return ""
    return f"{settings.PUBLIC_BASE_URL}{TWILIO_STATUS_PATH}"


# --- recording the outcome ----------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: spreads a burst of failures instead of repeating it."""
    ceiling = min(
        settings.NOTIFICATIONS_RETRY_CAP_SECONDS,
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
    )
    return timedelta(seconds=max(1.0, random.uniform(0, ceiling)))


def _record_sent(delivery: Delivery, result: SendResult) -> str:
    now = timezone.now()
    # Unconditional: even if the reconciler gave up on this worker meanwhile, the message went out.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT,
        sent_at=now,
        provider_message_id=result.provider_id[:200],
        lease_expires_at=None,
        last_error="",
        updated_at=now,
    )
    return SENT


def _record_cancelled(delivery: Delivery, reason: str) -> str:
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.CANCELLED,
        cancel_reason=reason[:300],
        lease_expires_at=None,
        updated_at=timezone.now(),
    )
    return CANCELLED


def _record_failure(delivery: Delivery, error: DeliveryError) -> str:
    now = timezone.now()
    if delivery.channel == DeliveryChannel.SMS and str(error.code) == str(UNSUBSCRIBED):
        sms_opt_out_record(application=delivery.application, phone=delivery.recipient, reason=error.message)
    rows = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    if error.permanent or delivery.attempts >= delivery.max_attempts:
        rows.update(
            status=DeliveryStatus.FAILED, last_error=error.message, lease_expires_at=None, updated_at=now
        )
        logger.warning("delivery %s failed for good: %s", delivery.pk, error.message)
        return FAILED
    rows.update(
        status=DeliveryStatus.PENDING,
        due_at=now + retry_delay(delivery.attempts),
        last_error=error.message,
        lease_expires_at=None,
        updated_at=now,
    )
    return RETRIED


def sms_opt_out_record(*, application, phone: str, reason: str = "") -> SmsOptOut:
    opt_out, _ = SmsOptOut.objects.get_or_create(
        application=application, phone=phone, defaults={"reason": reason[:300]}
    )
    return opt_out


# --- what Twilio tells us later -------------------------------------------------------------

FINAL_PROVIDER_STATUSES = frozenset({"delivered", "undelivered", "failed"})


def delivery_provider_status_record(*, provider_message_id: str, status: str, error_code: str = "") -> bool:
    """Record Twilio's status callback for an SMS we sent; False when no delivery has that id."""
    delivery = (
        Delivery.objects.select_related("application")
        .filter(provider_message_id=provider_message_id, channel=DeliveryChannel.SMS)
        .first()
    )
    if delivery is None:
        return False
    status = (status or "").lower()[:32]
    if delivery.provider_status in FINAL_PROVIDER_STATUSES and status not in FINAL_PROVIDER_STATUSES:
        return True  # callbacks may arrive out of order: a late "sent" does not undo "delivered"
    changes = {"provider_status": status, "updated_at": timezone.now()}
    if status in ("undelivered", "failed"):
        changes["last_error"] = f"Twilio reported the SMS {status}" + (
            f" (error {error_code})" if error_code else ""
        )
    if str(error_code) == str(UNSUBSCRIBED):
        sms_opt_out_record(
            application=delivery.application, phone=delivery.recipient, reason="STOP reported by Twilio"
        )
    Delivery.objects.filter(pk=delivery.pk).update(**changes)
    return True


def sms_opt_in(*, application, phone: str) -> bool:
    """The number opted back in (it answered START): SMS to it are sent again. True if it was opted out."""
    deleted, _ = SmsOptOut.objects.filter(application=application, phone=phone).delete()
    return bool(deleted)
