"""An appointment across the spring DST change in Berlin keeps its local and UTC times."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from calendars.ics import CalendarEvent, build_ics
from tests.calendars.conftest import parse
from tests.factories import AppointmentFactory

BERLIN = ZoneInfo("Europe/Berlin")


def _dst_appointment():
    # 01:30 CET (UTC+1) on 2030-03-31 for two hours: the clocks jump from 02:00
    # to 03:00 in between, so it ends at 04:30 CEST (UTC+2), i.e. 02:30 UTC.
    start = datetime(2030, 3, 31, 1, 30, tzinfo=BERLIN)
    assert start.utcoffset() == timedelta(hours=1)
    return AppointmentFactory(
        timezone="Europe/Berlin", start=start.astimezone(UTC), duration=timedelta(hours=2)
    )


def test_local_wall_times_are_written_with_their_tzid(db):
    ics = build_ics(CalendarEvent.from_appointment(_dst_appointment()))

    assert b"DTSTART;TZID=Europe/Berlin:20300331T013000\r\n" in ics
    assert b"DTEND;TZID=Europe/Berlin:20300331T043000\r\n" in ics


def test_parsed_times_are_the_right_utc_instants(db):
    appointment = _dst_appointment()

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent["DTSTART"].dt.astimezone(UTC) == datetime(2030, 3, 31, 0, 30, tzinfo=UTC)
    assert vevent["DTEND"].dt.astimezone(UTC) == datetime(2030, 3, 31, 2, 30, tzinfo=UTC)
    assert vevent["DTEND"].dt.astimezone(UTC) - vevent["DTSTART"].dt.astimezone(UTC) == timedelta(hours=2)


def test_vtimezone_alone_gives_both_offsets(db):
    """A client that knows no IANA names must reach the same instants from the VTIMEZONE."""
    calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(_dst_appointment())))

    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Berlin"
    assert {tzo["TZOFFSETTO"].td for tzo in vtimezone.standard} == {timedelta(hours=1)}
    assert {tzo["TZOFFSETTO"].td for tzo in vtimezone.daylight} == {timedelta(hours=2)}
    # Build a tzinfo from the VTIMEZONE's own rules, not from the system's database.
    own_zone = vtimezone.to_tz(lookup_tzid=False)
    local_start = vevent["DTSTART"].dt.replace(tzinfo=None)
    local_end = vevent["DTEND"].dt.replace(tzinfo=None)
    assert own_zone.utcoffset(local_start) == timedelta(hours=1)
    assert own_zone.utcoffset(local_end) == timedelta(hours=2)
