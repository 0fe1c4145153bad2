"""The Google Calendar event-template URL decodes back to the appointment."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from calendars.google import MAX_NOTES_CHARS, event_template_url
from calendars.ics import CalendarEvent
from tests.factories import AppointmentFactory


def _decode(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values())
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in query.items()}


def test_url_decodes_back_to_the_appointments_values(appointment):
    base, query = _decode(event_template_url(CalendarEvent.from_appointment(appointment)))

    assert base == "https://calendar.google.com/calendar/render"
    assert query == {
        "action": "TEMPLATE",
        "text": "Mortgage consultation",
        "dates": "20300612T070000Z/20300612T074500Z",
        "details": "Bring your last three payslips.\n\nhttps://video.example.com/room/7f3c2a",
        "location": "https://video.example.com/room/7f3c2a",
        "ctz": "Europe/Athens",
    }


def test_every_value_is_url_encoded(db):
    title = "Q&A: rates = 3% + fees? #1 / Συνάντηση 🎉"
    notes = "Line one & two\nhttps://example.com/?a=1&b=2"
    appointment = AppointmentFactory(title=title, notes=notes, room_url="", timezone="America/New_York")

    url = event_template_url(CalendarEvent.from_appointment(appointment))
    _base, query = _decode(url)

    assert query["text"] == title
    assert query["details"] == notes
    assert query["ctz"] == "America/New_York"
    assert "location" not in query  # no room yet
    raw_query = urlsplit(url).query
    assert all(ch not in raw_query for ch in " \n#") and raw_query.isascii()
    # Reserved characters of the values only appear percent-encoded.
    assert "%26" in raw_query and "%3D" in raw_query and "%2F" in raw_query


def test_dates_are_utc_whatever_the_zone(db):
    appointment = AppointmentFactory(timezone="Asia/Tokyo", start=datetime(2030, 12, 31, 23, 30, tzinfo=UTC))

    _base, query = _decode(event_template_url(CalendarEvent.from_appointment(appointment)))

    assert query["dates"] == "20301231T233000Z/20310101T000000Z"
    assert query["ctz"] == "Asia/Tokyo"


def test_long_notes_are_cut_but_the_room_link_survives(db):
    appointment = AppointmentFactory(notes="x" * 5000, room_url="https://video.example.com/room/long")

    url = event_template_url(CalendarEvent.from_appointment(appointment))
    _base, query = _decode(url)

    notes, room = query["details"].split("\n\n")
    assert len(notes) == MAX_NOTES_CHARS
    assert notes.endswith("…")
    assert room == "https://video.example.com/room/long"
    assert len(url) < 2 * MAX_NOTES_CHARS
