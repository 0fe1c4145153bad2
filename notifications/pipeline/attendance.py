"""Planning for the attendance events: customer.waiting and appointment.no_show.

Subscribed to appointments' CUSTOMER_WAITING and APPOINTMENT_NO_SHOW (NotificationsConfig.ready),
which appointments/attendance.py publishes once per appointment inside the transaction that
marks it. The rows are written there too: a webhook to every active endpoint of the
application subscribed to the event, and for customer.waiting an email to the organizing
agent when the agent has an address and the application a verified email sender.

The messages are frozen into the rows' snapshots, as a CANCEL's are: they tell what was
true when the mark was made (who waited, since when), not what is true at sending.
Nothing is planned while notifications are off for the appointment or its application;
the appointment is marked all the same (the admin and the dashboard show it).
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from appointments.attendance import CustomerWaiting, NoShow
from appointments.models import Appointment, OrganizerType
from core.api.fields import format_datetime_utc
from notifications.models import (
    Channel,
    ChannelSender,
    Delivery,
    DeliveryChannel,
    WebhookEndpoint,
    WebhookEvent,
)
from notifications.pipeline import snapshots
from notifications.pipeline.outbox import deliveries_save
from notifications.pipeline.states import notifications_on
from notifications.templating import rendering
from participants.models import Participant, ParticipantType

# The built-in email to the organizing agent; English, like the service's own pages.
WAITING_SUBJECT = "A customer is waiting: {title}"
WAITING_TEXT = """Hello {agent},

{customers} {verb} been waiting for {minutes} in the video room, and no agent has joined yet.

Appointment: {title}
Start: {start}
Join: {room_url}
Appointment id: {appointment_id}
"""


def deliveries_plan_for_waiting(event: CustomerWaiting) -> None:
    """The CUSTOMER_WAITING handler: the webhooks and the organizer's email, in the marking transaction."""
    appointment = event.appointment
    if not notifications_on(appointment):
        return
    fields = {
        "waiting": {
            "since": format_datetime_utc(event.waiting_since),
            "minutes": _minutes(event.waiting_since, event.escalated_at),
            "escalatedAt": format_datetime_utc(event.escalated_at),
            "customerIds": [customer.participant_id for customer in event.customers],
        }
    }
    rows = _webhook_rows(appointment, WebhookEvent.CUSTOMER_WAITING, fields)
    organizer = _organizing_agent(appointment)
    if organizer is not None and organizer.email.strip():
        senders = ChannelSender.objects.filter(application_id=appointment.application_id)
        if senders.filter(channel=Channel.EMAIL).exists():
            rows.append(_organizer_email(event, organizer))
    deliveries_save(rows)


def deliveries_plan_for_no_show(event: NoShow) -> None:
    """The APPOINTMENT_NO_SHOW handler: a webhook to every endpoint subscribed to appointment.no_show."""
    appointment = event.appointment
    if not notifications_on(appointment):
        return
    reason = "ENDED" if event.ended else "PASSED_END"
    fields = {"noShow": {"at": format_datetime_utc(event.at), "reason": reason}}
    deliveries_save(_webhook_rows(appointment, WebhookEvent.APPOINTMENT_NO_SHOW, fields))


def _row(appointment: Appointment, *, type: str, channel: str, recipient: str, **fields: Any) -> Delivery:
    return Delivery(
        application_id=appointment.application_id,
        appointment_id=appointment.pk,
        type=type,
        channel=channel,
        recipient=recipient,
        due_at=timezone.now(),
        max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        appointment_version=appointment.version,
        **fields,
    )


def _webhook_rows(appointment: Appointment, event: str, fields: dict[str, Any]) -> list[Delivery]:
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(application_id=appointment.application_id, active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    # The payload: {"event", "appointment" (as the API shows it), **fields}; messages.py builds it.
    snapshot = {**snapshots.webhook_snapshot(appointment), "fields": fields}
    return [
        _row(
            appointment,
            type=event,
            channel=DeliveryChannel.WEBHOOK,
            recipient=endpoint.url,
            webhook_endpoint=endpoint,
            snapshot=snapshot,
        )
        for endpoint in endpoints
    ]


def _organizing_agent(appointment: Appointment) -> Participant | None:
    if appointment.organizer_type != OrganizerType.AGENT:
        return None
    return Participant.objects.filter(
        appointment_id=appointment.pk, participant_id=appointment.organizer_id, type=ParticipantType.AGENT
    ).first()


def _organizer_email(event: CustomerWaiting, agent: Participant) -> Delivery:
    appointment = event.appointment
    subject, text = waiting_email_text(event, agent)
    return _row(
        appointment,
        type=WebhookEvent.CUSTOMER_WAITING,
        channel=DeliveryChannel.EMAIL,
        recipient=agent.email.strip(),
        participant_id=agent.participant_id,
        participant_ids=[agent.participant_id],
        locale=rendering.FALLBACK_LOCALE,
        snapshot={"to": agent.email.strip(), "subject": subject, "text_body": text, "html_body": ""},
    )


def waiting_email_text(event: CustomerWaiting, agent: Participant) -> tuple[str, str]:
    """Subject and text of the email telling the organizing agent that customers wait."""
    appointment = event.appointment
    context = rendering.build_context(
        appointment=appointment, recipient=agent, organizer=agent, locale=rendering.FALLBACK_LOCALE
    )
    names = [customer.full_name or "A customer" for customer in event.customers]
    customers = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    minutes = _minutes(event.waiting_since, event.escalated_at)
    title = appointment.title or f"appointment {appointment.pk}"
    text = WAITING_TEXT.format(
        agent=agent.full_name or agent.participant_id,
        customers=customers,
        verb="has" if len(names) == 1 else "have",
        minutes=f"{minutes} minute{'s' if minutes != 1 else ''}",
        title=title,
        start=rendering.render("{{EEEE d MMMM yyyy}}, {{HH:mm}} {{zone}}", context),
        room_url=appointment.room_url or "(no video room yet)",
        appointment_id=appointment.pk,
    )
    # A header cannot hold a line break (titles may carry one).
    return " ".join(WAITING_SUBJECT.format(title=title).split()), text


def _minutes(since: datetime, until: datetime) -> int:
    return max(0, int((until - since).total_seconds() // 60))
