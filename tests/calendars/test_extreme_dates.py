"""The .ics file and the Google Calendar link of the first and last appointments the API takes.

Appointments lie between 0001-01-02T00:00:00Z and 9999-12-31T00:00:00Z (see
tests/appointments/test_extreme_dates.py); both ends must download and link, with
four-digit years, in the zones furthest from UTC.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from calendars.google import event_template_url
from calendars.ics import CalendarEvent, CalendarPerson, build_ics
from tests.calendars.conftest import parse
from tests.factories import AppointmentFactory

ICAL = "/api/cal/events/ical/{}/event"
GOOGLE = "/api/cal/events/google/{}/event"
FIRST = datetime(1, 1, 2, tzinfo=UTC)
LAST_END = datetime(9999, 12, 31, tzinfo=UTC)
WEEK = timedelta(days=7)

EDGES = [
    (FIRST, "America/New_York"),
    (FIRST, "Asia/Manila"),
    (LAST_END - WEEK, "Pacific/Kiritimati"),
    (LAST_END - WEEK, "America/Metlakatla"),
]


@pytest.mark.parametrize(("start", "zone"), EDGES)
def test_the_ics_download_at_the_edges_of_the_calendar(api_client, db, start, zone):
    appointment = AppointmentFactory(start=start, duration=WEEK, timezone=zone)

    response = api_client.get(ICAL.format(appointment.pk))

    assert response.status_code == 200, response.content
    _calendar, vevent = parse(response.content)
    assert vevent["DTSTART"].dt == start
    assert vevent["DTEND"].dt == start + WEEK


@pytest.mark.parametrize(("start", "zone"), EDGES)
def test_the_google_link_writes_four_year_digits(api_client, db, start, zone):
    appointment = AppointmentFactory(start=start, duration=WEEK, timezone=zone)

    response = api_client.get(GOOGLE.format(appointment.pk))

    assert response.status_code == 302
    dates = parse_qs(urlsplit(response["Location"]).query)["dates"][0]
    assert dates == f"{_stamp(start)}/{_stamp(start + WEEK)}"


def _stamp(moment: datetime) -> str:
    return f"{moment.year:04d}{moment:%m%dT%H%M%SZ}"


def _event(start, end, zone="UTC"):
    return CalendarEvent(
        appointment_id="7d4c1e2a-0000-4000-8000-000000000001",
        uid="7d4c1e2a-0000-4000-8000-000000000001@localhost",
        title="Edge",
        notes="",
        start=start,
        end=end,
        timezone=zone,
        room_url="",
        sequence=0,
        organizer=CalendarPerson(email="alice@bank.example"),
    )


def test_google_dates_of_the_first_years_have_four_digits():
    event = _event(datetime(4, 1, 1, 7, 1, tzinfo=UTC), datetime(4, 1, 1, 8, 1, tzinfo=UTC))

    query = parse_qs(urlsplit(event_template_url(event)).query)

    assert query["dates"] == ["00040101T070100Z/00040101T080100Z"]


def test_an_ics_ending_in_the_last_year_builds():
    event = _event(datetime(9999, 12, 30, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC), "Europe/Berlin")

    _calendar, vevent = parse(build_ics(event))

    assert vevent["DTEND"].dt == datetime(9999, 12, 31, tzinfo=UTC)
