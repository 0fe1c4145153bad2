"""What a message says, frozen at the time of the change: for a CANCEL, whose appointment is gone by sending.

Every other delivery renders the appointment as it is when it is sent; a
cancelled appointment no longer exists then, so its CANCEL rows carry a
snapshot of the message, written with the row.
"""

import json
from typing import Any

from appointments.models import Appointment
from appointments.serializers import GetAppointmentResponseSerializer
from calendars.ics import CalendarEvent
from notifications.backends.webhook import encode_body
from notifications.models import NotificationTemplate
from notifications.pipeline import composition
from participants.models import Participant


def appointment_payload(appointment: Appointment) -> dict[str, Any]:
    """The appointment as the appointments API shows it, as plain JSON values."""
    return json.loads(encode_body(GetAppointmentResponseSerializer(appointment).data))


def calendar_event(appointment: Appointment) -> dict[str, Any]:
    """The appointment's calendar event as JSON, for the .ics a CANCEL email attaches."""
    return json.loads(encode_body(CalendarEvent.from_appointment(appointment).to_dict()))


def email_snapshot(
    *,
    template: NotificationTemplate,
    appointment: Appointment,
    recipient: Participant,
    event: dict[str, Any],
) -> dict[str, Any]:
    message = composition.email_compose(template=template, appointment=appointment, recipient=recipient)
    return {
        "to": message.to,
        "subject": message.subject,
        "text_body": message.text_body,
        "html_body": message.html_body,
        "event": event,
    }


def sms_snapshot(
    *, template: NotificationTemplate, appointment: Appointment, recipient: Participant
) -> dict[str, Any]:
    message = composition.sms_compose(template=template, appointment=appointment, recipient=recipient)
    return {"to": message.to, "body": message.body}


def webhook_snapshot(appointment: Appointment) -> dict[str, Any]:
    return {"payload": appointment_payload(appointment), "headers": composition.webhook_headers(appointment)}
