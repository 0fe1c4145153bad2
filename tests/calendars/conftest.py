"""Shared fixtures and helpers for the calendar tests."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.factories import AppointmentFactory, CustomerFactory


@pytest.fixture
def appointment(db):
    """An activated appointment with an agent organizer and one customer, both with emails."""
    appointment = AppointmentFactory(
        title="Mortgage consultation",
        notes="Bring your last three payslips.",
        timezone="Europe/Athens",
        start=datetime(2030, 6, 12, 7, 0, tzinfo=UTC),
        duration=timedelta(minutes=45),
        room_url="https://video.example.com/room/7f3c2a",
    )
    organizer = appointment.participants.get()
    organizer.first_name, organizer.last_name, organizer.email = "Alice", "Agent", "alice@bank.example"
    organizer.save(update_fields=["first_name", "last_name", "email"])
    CustomerFactory(appointment=appointment, first_name="Bobby", last_name="Ewing", email="bobby@example.com")
    return appointment


def parse(ics: bytes):
    """(calendar, its one VEVENT), read back through icalendar's parser."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def attendee_emails(vevent) -> set[str]:
    attendees = vevent.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    return {str(address).removeprefix("mailto:") for address in attendees}


# The short-link pages are tested in the admin tests' Chromium (tests/calendars/test_browser_short_links.py).
from tests.admin.conftest import browser_page, browser_time_zone  # noqa: E402, F401
