"""The /l/{token} page decides when clicked: room, page with the current time, moved, cancelled, ended."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from appointments.models import InteractionState
from appointments.services import appointment_delete, appointment_end, appointment_reschedule
from calendars.short_links import LinkPurpose, short_link
from tests.factories import AppointmentFactory, CustomerFactory

BEFORE = datetime(2030, 1, 20, 10, 0, tzinfo=UTC)
START = datetime(2030, 1, 31, 19, 0, tzinfo=UTC)  # 20:00 in Berlin


@pytest.fixture
def customer(db):
    appointment = AppointmentFactory(title="Mortgage consultation", start=START, timezone="Europe/Berlin")
    organizer = appointment.participants.get()
    organizer.first_name, organizer.last_name = "Alice", "Agent"
    organizer.save(update_fields=["first_name", "last_name"])
    return CustomerFactory(appointment=appointment)


def path_of(customer, purpose=LinkPurpose.JOIN) -> str:
    url = short_link(purpose=purpose, appointment=customer.appointment, participant_pk=customer.pk)
    return url.removeprefix("http://localhost:8000")


def page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


@time_machine.travel(BEFORE, tick=False)
def test_scheduled_shows_the_time_in_the_recipients_zone_and_fresh_calendar_links(client, customer):
    body = page(client.get(path_of(customer)))
    assert '<html lang="en">' in body
    assert "Thursday, January 31, 2030" in body
    assert "8:00\u202fPM CET" in body or "8:00 PM CET" in body
    assert "The video room opens at" in body
    assert f"/api/cal/events/ical/{customer.appointment.pk}/event" in body
    assert f"/api/cal/events/google/{customer.appointment.pk}/event" in body
    assert "Alice Agent" in body
    assert 'id="moved"' not in body


@time_machine.travel(BEFORE, tick=False)
def test_the_participants_own_zone_wins(client, customer):
    customer.metadata = {"timezone": "America/New_York"}
    customer.save(update_fields=["metadata"])
    body = page(client.get(path_of(customer)))
    assert "2:00" in body and "EST" in body


@time_machine.travel(BEFORE, tick=False)
def test_activated_redirects_the_join_link_to_the_room(client, customer):
    customer.appointment.room_url = "https://video.example.com/room/abc"
    customer.appointment.save(update_fields=["room_url"])
    response = client.get(path_of(customer))
    assert response.status_code == 302
    assert response["Location"] == "https://video.example.com/room/abc"
    assert response["Referrer-Policy"] == "no-referrer"


@time_machine.travel(BEFORE, tick=False)
def test_rescheduled_since_the_message_says_it_moved_from_the_old_time(client, customer):
    link = path_of(customer)
    ics_link = path_of(customer, LinkPurpose.ICS)
    appointment_reschedule(
        appointment=customer.appointment,
        start=START + timedelta(days=1, hours=1),
        duration=timedelta(minutes=30),
        timezone="Europe/Berlin",
    )
    body = page(client.get(link))
    assert "Friday, February 1, 2030" in body
    assert "9:00" in body
    assert "This appointment has moved. It was on Thursday, January 31, 2030, 8:00" in body
    # A calendar link of the old time shows the page too, rather than quietly a file.
    assert "This appointment has moved" in page(client.get(ics_link))


@time_machine.travel(BEFORE, tick=False)
def test_calendar_links_give_the_current_file_and_google_form(client, customer):
    ics = client.get(path_of(customer, LinkPurpose.ICS))
    assert ics.status_code == 200
    assert ics["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"DTSTART;TZID=Europe/Berlin:20300131T200000" in ics.content
    google = client.get(path_of(customer, LinkPurpose.GOOGLE))
    assert google.status_code == 302
    assert google["Location"].startswith("https://calendar.google.com/calendar/render?")
    assert "dates=20300131T190000Z" in google["Location"]


@time_machine.travel(BEFORE, tick=False)
def test_cancelled_says_so(client, customer):
    link = path_of(customer)
    appointment_delete(appointment=customer.appointment)
    response = client.get(link, HTTP_ACCEPT_LANGUAGE="de")
    body = page(response)
    assert response.status_code == 200
    assert '<html lang="de">' in body
    assert "Termin abgesagt" in body


def test_ended_says_when(client, customer):
    link = path_of(customer)
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        appointment_end(appointment=customer.appointment)
    customer.appointment.refresh_from_db()
    assert customer.appointment.interaction_state == InteractionState.COMPLETE
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        body = page(client.get(link))
    assert "This appointment ended on Thursday, January 31, 2030, 8:10" in body
    assert "/api/cal/events/ical/" not in body


def test_past_its_end_it_has_ended_too(client, customer):
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        body = page(client.get(path_of(customer)))
    assert "This appointment ended on Thursday, January 31, 2030, 8:30" in body


@override_settings(LINK_TOKEN_TTL_AFTER_END=timedelta(days=30))
def test_a_link_expires_the_ttl_after_the_end(client, customer):
    link = path_of(customer)
    end = START + timedelta(minutes=30)
    with time_machine.travel(end + timedelta(days=29), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(end + timedelta(days=30, seconds=1), tick=False):
        response = client.get(link)
    assert response.status_code == 410
    assert "Link expired" in page(response)


@override_settings(LINK_TOKEN_TTL_AFTER_END=timedelta(days=1))
def test_a_deleted_appointments_link_expires_from_the_end_it_carried(client, customer):
    link = path_of(customer)
    appointment_delete(appointment=customer.appointment)
    with time_machine.travel(START + timedelta(days=2), tick=False):
        assert client.get(link).status_code == 410


@time_machine.travel(BEFORE, tick=False)
def test_altered_and_unknown_tokens_are_a_friendly_404(client, customer):
    link = path_of(customer)
    altered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for path in (altered, "/l/nonsense", "/l/" + "A" * 67):
        response = client.get(path)
        assert response.status_code == 404
        assert "Link not found" in page(response)


@time_machine.travel(BEFORE, tick=False)
def test_a_participant_removed_from_the_appointment_finds_nothing(client, customer):
    link = path_of(customer)
    customer.delete()
    assert client.get(link).status_code == 404


@time_machine.travel(BEFORE, tick=False)
def test_the_page_speaks_the_appointments_language(client, customer):
    customer.appointment.locale = "el_GR"
    customer.appointment.save(update_fields=["locale"])
    body = page(client.get(path_of(customer)))
    assert '<html lang="el">' in body
    assert "Πέμπτη" in body
    assert "Η αίθουσα βίντεο ανοίγει" in body


@time_machine.travel(BEFORE, tick=False)
def test_a_post_to_a_join_link_is_refused(client, customer):
    assert client.post(path_of(customer)).status_code == 405


@time_machine.travel(BEFORE, tick=False)
def test_one_click_reads_in_two_queries(client, customer, django_assert_max_num_queries):
    link = path_of(customer)
    with django_assert_max_num_queries(2):
        assert client.get(link).status_code == 200
