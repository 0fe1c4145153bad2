"""SMS replies: STOP and START, and, where the application asks for them, answers to "will you attend?".

Twilio posts every SMS sent to an application's number to the inbound webhook
(delivery_apis.TwilioInboundApi), which calls `sms_reply_receive`. The application is
the one whose verified SMS sender has that number (several applications may share
one; each is served).

- STOP (and Twilio's other opt-out words) opts the number out of every such
  application's SMS; START opts it back in. Always, whatever the settings.
- With `confirmation_requests` on, YES / NO and their translations
  (templating/replies.py) answer for the number's *latest open appointment*: among
  the appointments not yet over that have a customer with that number, the one the
  service last texted that number about (then the soonest). Every customer of that
  appointment at that number gets the answer: one phone, one reply.
- Anything else gets one help text, in the language of the last SMS, at most once
  in 24 hours per number and application. It is a HELP_REPLY delivery row, sent by
  the pipeline like any SMS, so it is in the delivery log and respects opt-outs.
- With `confirmation_requests` off nothing else is read and nothing is answered:
  the service never asked a question.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from appointments.models import Appointment, InteractionState
from notifications.models import (
    HELP_REPLY,
    Channel,
    ChannelSender,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
)
from notifications.pipeline.feedback import sms_opt_in, sms_opt_out_record
from notifications.pipeline.outbox import deliveries_save
from notifications.templating.replies import Reply, help_text, reply_read
from participants.confirmations import participant_confirmation_record
from participants.models import Confirmation, Participant, ParticipantType
from tenants.models import Application

HELP_INTERVAL = timedelta(hours=24)
_ANSWERS = {Reply.CONFIRM: Confirmation.CONFIRMED, Reply.DECLINE: Confirmation.DECLINED}

# What became of a reply (for the log line and the tests).
UNKNOWN_NUMBER = "unknown number"
OPTED_OUT, OPTED_IN = "opted out", "opted in"
ANSWERED, UNCHANGED = "answered", "answer unchanged"
HELP_QUEUED, HELP_ALREADY_SENT = "help queued", "help already sent today"
NOT_ASKED = "not asked"  # confirmation requests are off
NO_APPOINTMENT = "no open appointment"


@dataclass
class ReplyOutcome:
    result: str
    reply: Reply = Reply.OTHER
    appointment: Appointment | None = None
    participants: list[Participant] = field(default_factory=list)
    help: Delivery | None = None


@transaction.atomic
def sms_reply_receive(*, to_number: str, from_number: str, body: str) -> ReplyOutcome:
    """Act on an SMS that `from_number` sent to an application number `to_number`."""
    phone = from_number.strip()
    applications = _applications_of_number(to_number.strip())
    if not applications or not phone:
        return ReplyOutcome(UNKNOWN_NUMBER)
    reply = reply_read(body)
    if reply == Reply.STOP:
        for application in applications:
            sms_opt_out_record(application=application, phone=phone, reason="replied STOP")
        return ReplyOutcome(OPTED_OUT, reply)
    if reply == Reply.START:
        for application in applications:
            sms_opt_in(application=application, phone=phone)
        return ReplyOutcome(OPTED_IN, reply)
    asking = [application for application in applications if application.confirmation_requests]
    if not asking:
        return ReplyOutcome(NOT_ASKED, reply)
    appointment = latest_open_appointment(applications=asking, phone=phone)
    if appointment is None:
        return ReplyOutcome(NO_APPOINTMENT, reply)
    customers = list(
        Participant.objects.filter(
            appointment=appointment, type=ParticipantType.CUSTOMER, phone=phone
        ).order_by("created_at", "id")
    )
    if reply in _ANSWERS:
        changed = [
            participant_confirmation_record(participant=customer, answer=_ANSWERS[reply], channel=Channel.SMS)
            for customer in customers
        ]
        return ReplyOutcome(ANSWERED if any(changed) else UNCHANGED, reply, appointment, customers)
    return _help_reply(appointment, customers, phone)


def _applications_of_number(number: str) -> list[Application]:
    if not number:
        return []
    senders = ChannelSender.objects.select_related("application").filter(
        channel=Channel.SMS, from_number=number
    )
    return [sender.application for sender in senders.order_by("pk")]


def latest_open_appointment(*, applications: list[Application], phone: str) -> Appointment | None:
    """The appointment not yet over that the number's last SMS was about (then the soonest); one query."""
    now = timezone.now()
    last_sms = (
        Delivery.objects.filter(
            appointment_id=OuterRef("pk"),
            channel=DeliveryChannel.SMS,
            recipient=phone,
            status=DeliveryStatus.SENT,
        )
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    candidates = (
        Appointment.objects.filter(
            application__in=applications,
            end__gt=now,
            pk__in=Participant.objects.filter(type=ParticipantType.CUSTOMER, phone=phone).values(
                "appointment_id"
            ),
        )
        .exclude(interaction_state=InteractionState.COMPLETE)
        .annotate(last_sms_at=Subquery(last_sms))
        .select_related("application")
        .order_by(F("last_sms_at").desc(nulls_last=True), "start", "pk")
    )
    return candidates.first()


def _help_reply(appointment: Appointment, customers: list[Participant], phone: str) -> ReplyOutcome:
    """Queue the help text unless one went to this number within HELP_INTERVAL."""
    application = appointment.application
    # One reply at a time per application decides: two messages arriving together get one help.
    ChannelSender.objects.select_for_update().filter(application=application, channel=Channel.SMS).first()
    now = timezone.now()
    recent = Delivery.objects.filter(
        application=application, type=HELP_REPLY, recipient=phone, created_at__gt=now - HELP_INTERVAL
    )
    if recent.exists():
        return ReplyOutcome(HELP_ALREADY_SENT, Reply.OTHER, appointment, customers)
    locale = _last_sms_locale(appointment, phone) or appointment.locale
    row = Delivery(
        application=application,
        appointment_id=appointment.pk,
        type=HELP_REPLY,
        channel=DeliveryChannel.SMS,
        recipient=phone,
        participant_id=customers[0].participant_id if customers else "",
        participant_ids=[customer.participant_id for customer in customers],
        locale=locale,
        due_at=now,
        max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        appointment_version=appointment.version,
        snapshot={"body": help_text(locale)},
    )
    deliveries_save([row])
    return ReplyOutcome(HELP_QUEUED, Reply.OTHER, appointment, customers, help=row)


def _last_sms_locale(appointment: Appointment, phone: str) -> str:
    """The language the customer was last texted in about this appointment ("" if never)."""
    row = (
        Delivery.objects.filter(appointment_id=appointment.pk, channel=DeliveryChannel.SMS, recipient=phone)
        .exclude(locale="")
        .order_by("-created_at")
        .values_list("locale", flat=True)
        .first()
    )
    return row or ""
