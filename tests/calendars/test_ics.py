"""The iCalendar file: required properties, participants, text and line folding."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from appointments.models import Appointment
from calendars.ics import CalendarEvent, CalendarPerson, build_ics
from participants.models import ParticipantType
from tests.calendars.conftest import attendee_emails, parse
from tests.factories import AppointmentFactory, CustomerFactory, ParticipantFactory

STAMP = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)


def test_round_trip_keeps_every_value_of_the_appointment(appointment):
    calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment), now=STAMP))

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//")
    assert "METHOD" not in calendar
    assert str(vevent["UID"]) == f"{appointment.pk}@localhost"
    assert vevent["DTSTAMP"].dt == STAMP
    assert vevent["DTSTART"].dt == appointment.start
    assert vevent["DTEND"].dt == appointment.end
    assert str(vevent["SUMMARY"]) == "Mortgage consultation"
    assert str(vevent["DESCRIPTION"]) == (
        "Bring your last three payslips.\n\nhttps://video.example.com/room/7f3c2a"
    )
    assert str(vevent["LOCATION"]) == "https://video.example.com/room/7f3c2a"
    assert str(vevent["URL"]) == "https://video.example.com/room/7f3c2a"
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_start_and_end_are_written_in_the_appointments_zone_with_its_vtimezone(appointment):
    ics = build_ics(CalendarEvent.from_appointment(appointment))
    calendar, vevent = parse(ics)

    # 07:00 UTC in June is 10:00 in Athens (UTC+3, summer time).
    assert b"DTSTART;TZID=Europe/Athens:20300612T100000\r\n" in ics
    assert b"DTEND;TZID=Europe/Athens:20300612T104500\r\n" in ics
    assert vevent["DTSTART"].params["TZID"] == "Europe/Athens"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Athens"]
    assert calendar.get_missing_tzids() == set()


def test_organizer_and_attendees_come_from_participants_with_emails(appointment):
    ParticipantFactory(appointment=appointment, type=ParticipantType.AGENT, email="", first_name="No mail")

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    organizer = vevent["ORGANIZER"]
    assert str(organizer) == "mailto:alice@bank.example"
    assert organizer.params["CN"] == "Alice Agent"
    assert attendee_emails(vevent) == {"alice@bank.example", "bobby@example.com"}
    roles = {str(a).removeprefix("mailto:"): a.params["ROLE"] for a in vevent["ATTENDEE"]}
    assert roles == {"alice@bank.example": "CHAIR", "bobby@example.com": "REQ-PARTICIPANT"}
    bobby = next(a for a in vevent["ATTENDEE"] if "bobby" in a)
    assert bobby.params["CN"] == "Bobby Ewing"
    assert bobby.params["PARTSTAT"] == "NEEDS-ACTION"


def test_an_email_shared_by_two_participants_is_one_attendee(appointment):
    CustomerFactory(appointment=appointment, email="BOBBY@example.com")

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    assert len(vevent["ATTENDEE"]) == 2


@override_settings(DEFAULT_FROM_EMAIL="Acme Appointments <appointments@acme.example>")
def test_an_organizer_without_email_is_represented_by_the_sender_address(db):
    appointment = AppointmentFactory()
    appointment.participants.update(email="", first_name="Alice", last_name="Agent")

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    # iTIP requires an ORGANIZER; the agent keeps their name, the address is the service's.
    assert str(vevent["ORGANIZER"]) == "mailto:appointments@acme.example"
    assert vevent["ORGANIZER"].params["CN"] == "Alice Agent"
    assert "ATTENDEE" not in vevent


def test_before_activation_there_is_no_location_and_the_description_is_the_notes(db):
    appointment = AppointmentFactory(notes="See you soon", room_url="")

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    assert str(vevent["DESCRIPTION"]) == "See you soon"
    assert "LOCATION" not in vevent
    assert "URL" not in vevent


def test_an_untitled_appointment_still_has_a_summary(db):
    appointment = AppointmentFactory(title="", notes="")

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    assert str(vevent["SUMMARY"]) == "Appointment"
    assert "DESCRIPTION" not in vevent


@override_settings(PUBLIC_BASE_URL="https://appointments.acme.example:8443")
def test_uid_is_the_appointment_id_at_the_public_host(db):
    appointment = AppointmentFactory()

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    assert str(vevent["UID"]) == f"{appointment.pk}@appointments.acme.example"


def test_non_ascii_title_and_notes_survive(db):
    title = "Συνάντηση για το στεγαστικό δάνειο 🏠"
    notes = "Φέρτε ταυτότητα; και τα έγγραφα, παρακαλώ 📄\nΔεύτερη γραμμή — ευχαριστούμε"
    appointment = AppointmentFactory(title=title, notes=notes)

    ics = build_ics(CalendarEvent.from_appointment(appointment))
    _calendar, vevent = parse(ics)

    assert str(vevent["SUMMARY"]) == title
    assert str(vevent["DESCRIPTION"]) == notes
    ics.decode("utf-8")  # the file is UTF-8 as its content type says


def test_long_lines_are_folded_at_75_octets_with_crlf_and_a_space(db):
    title = ("Ετήσια ανασκόπηση χαρτοφυλακίου 📈 " * 6).strip()  # two- and four-byte characters
    notes = ("A very long note that goes on and on. " * 20).strip()
    appointment = AppointmentFactory(title=title, notes=notes)

    ics = build_ics(CalendarEvent.from_appointment(appointment))

    assert ics.endswith(b"\r\n")
    body = ics[: -len(b"\r\n")]
    assert b"\n" not in body.replace(b"\r\n", b"")  # no bare LF
    assert b"\r" not in body.replace(b"\r\n", b"")  # no bare CR
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    continuations = [line for line in lines if line.startswith(b" ")]
    assert len(continuations) > 10
    # Folding never splits a UTF-8 character: every physical line decodes on its own.
    for line in lines:
        line.decode("utf-8")
    _calendar, vevent = parse(ics)
    assert str(vevent["SUMMARY"]) == title
    assert str(vevent["DESCRIPTION"]) == notes


def test_an_appointment_in_utc_needs_no_vtimezone(db):
    appointment = AppointmentFactory(timezone="UTC", start=datetime(2030, 1, 5, 9, 0, tzinfo=UTC))

    ics = build_ics(CalendarEvent.from_appointment(appointment))
    calendar, vevent = parse(ics)

    assert b"DTSTART:20300105T090000Z\r\n" in ics
    assert calendar.walk("VTIMEZONE") == []
    assert vevent["DTSTART"].dt == appointment.start


def test_an_unknown_zone_falls_back_to_utc_instead_of_failing(db):
    appointment = AppointmentFactory(timezone="Mars/Olympus_Mons")

    _calendar, vevent = parse(build_ics(CalendarEvent.from_appointment(appointment)))

    assert vevent["DTSTART"].dt == appointment.start


def test_snapshot_round_trips_through_json(appointment):
    event = CalendarEvent.from_appointment(appointment)

    restored = CalendarEvent.from_dict(json.loads(json.dumps(event.to_dict())))

    assert restored == event
    assert restored.attendees == (
        CalendarPerson(email="alice@bank.example", name="Alice Agent"),
        CalendarPerson(email="bobby@example.com", name="Bobby Ewing"),
    )
    assert build_ics(restored, now=STAMP) == build_ics(event, now=STAMP)


def test_snapshot_times_are_held_in_utc():
    event = CalendarEvent(
        appointment_id="a",
        uid="a@localhost",
        title="t",
        notes="",
        start=datetime(2030, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        end=datetime(2030, 7, 1, 13, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        timezone="Europe/Berlin",
        room_url="",
        sequence=0,
        organizer=CalendarPerson(email="a@example.com"),
    )

    assert event.start == datetime(2030, 7, 1, 10, 0, tzinfo=UTC)
    assert event.start.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        CalendarEvent.from_dict({**event.to_dict(), "start": "2030-07-01T12:00:00"})


def test_only_request_and_cancel_are_methods(appointment):
    with pytest.raises(ValueError, match="method"):
        build_ics(CalendarEvent.from_appointment(appointment), method="PUBLISH")


def test_snapshot_of_an_unprefetched_appointment_costs_one_query(appointment, django_assert_num_queries):
    for _ in range(4):
        CustomerFactory(appointment=appointment)
    fresh = Appointment.objects.get(pk=appointment.pk)
    with django_assert_num_queries(1):
        event = CalendarEvent.from_appointment(fresh)
    assert len(event.attendees) == 6
    assert event.end - event.start == timedelta(minutes=45)
