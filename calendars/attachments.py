"""The calendar invitation attached to notification emails.

The notifications app (above calendars in the layers) attaches what
`email_attachments` returns to every email it composes. Every email about one appointment carries
the same UID, so calendar apps add the event once and then move or remove it in
place; REQUEST repeats the current SEQUENCE, CANCEL goes one above it.

The mimetype names the iMIP method: the email backend sends such a calendar
both inline, as the invitation calendar clients act on, and as the file.
"""

import logging
from collections.abc import Mapping

from calendars.ics import CalendarEvent, build_ics

logger = logging.getLogger(__name__)

ATTACHMENT_NAME = "invite.ics"
# Reminders and the room-ready email carry REQUEST too: same UID and SEQUENCE,
# a newer DTSTAMP, so they refresh the event (e.g. with the room link) instead
# of adding a second one.
METHOD_BY_TYPE = {
    "CREATE": "REQUEST",
    "UPDATE": "REQUEST",
    "REMINDER": "REQUEST",
    "ROOM": "REQUEST",
    "CANCEL": "CANCEL",
}


def email_attachments(*, appointment, notification_type) -> list[tuple[str, bytes, str]]:
    """[(filename, content, mimetype)] for an email of this type about this appointment.

    `appointment` is an Appointment, a CalendarEvent snapshot, or the dict that
    `CalendarEvent.to_dict()` wrote (the only form left after a delete).
    """
    type_name = str(getattr(notification_type, "value", notification_type)).upper()
    method = METHOD_BY_TYPE.get(type_name)
    if method is None:
        logger.warning("No calendar attachment for notification type %r", notification_type)
        return []
    event = calendar_event_of(appointment)
    return [(ATTACHMENT_NAME, build_ics(event, method=method), imip_mimetype(method))]


def imip_mimetype(method: str) -> str:
    """The iMIP Content-Type (RFC 6047): the method once, the charset once."""
    return f"text/calendar; method={method}; charset=UTF-8"


def calendar_event_of(appointment) -> CalendarEvent:
    if isinstance(appointment, CalendarEvent):
        return appointment
    if isinstance(appointment, Mapping):
        return CalendarEvent.from_dict(appointment)
    return CalendarEvent.from_appointment(appointment)
