"""SMS -> email fallback: an SMS that could not reach its recipient goes once by email instead.

Subscribed to feedback.SMS_UNDELIVERED (NotificationsConfig.ready), which the
send ledger publishes when an SMS ends FAILED or is cancelled because its number
opted out, and the status callback when Twilio reports it undelivered or failed,
each in the transaction that records that outcome. So the email row commits with
the SMS row's outcome or not at all; the unique constraint on `fallback_of`
(delivery_one_fallback) keeps it to one row however many callbacks arrive, at once
or one after the other.

The email row is an ordinary delivery, due now, linked to the SMS row by
`fallback_of`: the pipeline renders it from the appointment as it is when it is
sent, and re-checks everything a delivery re-checks. Only the application's
`sms_fallback_to_email` setting turns this on. Why no email was queued is logged.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import has_ended
from notifications.models import (
    TIMED_TYPES,
    ChannelSender,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    NotificationTemplate,
    NotificationType,
)
from notifications.pipeline.feedback import SmsUndelivered
from notifications.pipeline.outbox import deliveries_save
from notifications.pipeline.states import SUPERSEDED_REASON, notifications_on
from notifications.selectors import templates_for_appointment
from participants.models import Participant

logger = logging.getLogger(__name__)

# Why an undelivered SMS got no email (logged with the SMS row's id).
CANCEL_NOT_FALLEN_BACK = "a CANCEL is not sent again by email: its appointment and participants are gone"
NO_APPOINTMENT = "the appointment no longer exists"
NOTIFICATIONS_OFF = "notifications are switched off for this appointment or application"
STARTED = "the appointment has started: the reminder would come too late"
ENDED = "the appointment is over"
NO_EMAIL = "no participant the SMS served has an email address"
NO_SENDER = "the application has no verified email sender"
NO_TEMPLATE = "the application has no active EMAIL template for this notification"
ALREADY_EMAILED = "the recipient already gets this notification by email"

# Email rows that reach, or will reach, their recipient.
_REACHING = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING, DeliveryStatus.SENT)


def sms_fallback_for_undelivered(event: SmsUndelivered) -> None:
    """The SMS_UNDELIVERED handler: queue the email fallback in the publisher's transaction."""
    sms_fallback_queue(sms=event.delivery)


def sms_fallback_queue(*, sms: Delivery) -> Delivery | None:
    """Queue the one email that replaces an undelivered SMS row; None when none is (or already was).

    Call inside the transaction that records the SMS row's outcome. Nothing here may
    keep that outcome from being recorded: a fallback that cannot be planned is logged.
    """
    if sms.channel != DeliveryChannel.SMS or not sms.application.sms_fallback_to_email:
        return None
    try:
        with transaction.atomic():  # a savepoint: the outcome's transaction survives whatever happens here
            return _fallback_queue(sms)
    except IntegrityError:
        return None  # a concurrent callback queued it first (delivery_one_fallback)
    except Exception:
        logger.exception("the email fallback of SMS delivery %s could not be queued", sms.pk)
        return None


def _fallback_queue(sms: Delivery) -> Delivery | None:
    if Delivery.objects.filter(fallback_of=sms.pk).exists():
        return None  # a repeated callback: the email is queued already
    planned = _fallback_row(sms, now=timezone.now())
    if isinstance(planned, str):
        logger.info("no email fallback for SMS delivery %s: %s", sms.pk, planned)
        return None
    deliveries_save([planned])
    logger.info("SMS delivery %s falls back to email delivery %s", sms.pk, planned.pk)
    return planned


def _fallback_row(sms: Delivery, *, now: datetime) -> Delivery | str:
    """The email row replacing `sms`, or why there is none."""
    if sms.type == NotificationType.CANCEL:
        # Participants are deleted with the appointment; the delete queued an email CANCEL to
        # every customer with an address already, when the application has such a template.
        return CANCEL_NOT_FALLEN_BACK
    appointment = (
        Appointment.objects.select_related("application")
        .prefetch_related("participants")
        .filter(pk=sms.appointment_id)
        .first()
    )
    if appointment is None:
        return NO_APPOINTMENT
    refusal = _moment_passed(sms, appointment, now=now)
    if refusal:
        return refusal
    served = _served_with_email(sms, appointment)
    if not served:
        return NO_EMAIL
    if not ChannelSender.objects.filter(
        application_id=sms.application_id, channel=DeliveryChannel.EMAIL
    ).exists():
        return NO_SENDER
    template = _email_template(sms, appointment)
    if template is None:
        return NO_TEMPLATE
    address = served[0].email.strip()
    if _already_emailed(sms, address, template):
        return ALREADY_EMAILED
    return Delivery(
        application_id=sms.application_id,
        appointment_id=sms.appointment_id,
        type=sms.type,
        channel=DeliveryChannel.EMAIL,
        template=template,
        recipient=address,
        participant_id=served[0].participant_id,
        participant_ids=[participant.participant_id for participant in served],
        locale=template.locale,
        due_at=now,
        max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        # The SMS's version: an UPDATE overtaken by a later one is cancelled when sent, as the SMS would be.
        appointment_version=sms.appointment_version,
        fallback_of=sms,
    )


def _moment_passed(sms: Delivery, appointment: Appointment, *, now: datetime) -> str:
    """Why the notification no longer means anything ("" while it does)."""
    if not notifications_on(appointment):
        return NOTIFICATIONS_OFF
    if sms.type in TIMED_TYPES and now >= appointment.start:
        return STARTED
    if has_ended(appointment, now=now):
        return ENDED
    if sms.type == NotificationType.UPDATE and (
        Delivery.objects.filter(
            appointment_id=sms.appointment_id,
            type=NotificationType.UPDATE,
            appointment_version__gt=sms.appointment_version,
        ).exists()
    ):
        return SUPERSEDED_REASON
    return ""


def _served_with_email(sms: Delivery, appointment: Appointment) -> list[Participant]:
    """Those the SMS served who still take part and share the first one's email address.

    Customers who share a phone may not share a mailbox: the email goes to the first of
    them (in the SMS row's order) who has an address, and serves everyone at that address.
    """
    present = {participant.participant_id: participant for participant in appointment.participants.all()}
    served = [present[pid] for pid in (sms.participant_ids or [sms.participant_id]) if pid in present]
    with_email = [participant for participant in served if participant.email.strip()]
    if not with_email:
        return []
    address = with_email[0].email.strip().lower()
    return [participant for participant in with_email if participant.email.strip().lower() == address]


def _email_template(sms: Delivery, appointment: Appointment) -> NotificationTemplate | None:
    """The EMAIL template of the SMS's type and period, in the locale the appointment's chain picks."""
    period = sms.template.period if sms.template is not None else None
    if sms.type in TIMED_TYPES and period is None:
        return None  # the SMS template is gone, and with it which reminder this was
    candidates = templates_for_appointment(
        appointment=appointment, type=sms.type, channel=DeliveryChannel.EMAIL
    )
    return next((template for template in candidates if template.period == period), None)


def _already_emailed(sms: Delivery, address: str, template: NotificationTemplate) -> bool:
    """Whether the same notification reaches that mailbox by email already: a second would repeat it."""
    rows = Delivery.objects.filter(
        appointment_id=sms.appointment_id,
        type=sms.type,
        channel=DeliveryChannel.EMAIL,
        recipient__iexact=address,
        status__in=_REACHING,
    )
    if sms.type == NotificationType.UPDATE:
        rows = rows.filter(appointment_version__gte=sms.appointment_version)  # news at least as fresh
    if sms.type in TIMED_TYPES:
        rows = rows.filter(template__period=template.period)  # the same reminder, not another one
    return rows.exists()
