"""Google Calendar's "add event" template link for an appointment."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from calendars.ics import CalendarEvent

TEMPLATE_URL = "https://calendar.google.com/calendar/render"
# Google answers an overlong URL with an error page instead of the form; long
# notes are cut (the room link after them always survives).
MAX_NOTES_CHARS = 1000


def event_template_url(event: CalendarEvent) -> str:
    """The URL that opens Google Calendar's new-event form filled in with the appointment."""
    params = {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": f"{utc_stamp(event.start)}/{utc_stamp(event.end)}",
        "details": _details(event),
        "location": event.room_url,
        "ctz": event.timezone,
    }
    return f"{TEMPLATE_URL}?{urlencode({key: value for key, value in params.items() if value})}"


def utc_stamp(moment: datetime) -> str:
    """20300131T190000Z; four year digits always (strftime("%Y") writes year 4 as "4" on Linux)."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}{utc:%m%dT%H%M%S}Z"


def _details(event: CalendarEvent) -> str:
    notes = event.notes.strip()
    if len(notes) > MAX_NOTES_CHARS:
        notes = notes[: MAX_NOTES_CHARS - 1].rstrip() + "…"
    return "\n\n".join(part for part in (notes, event.room_url) if part)
