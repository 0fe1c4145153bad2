"""GET /api/cal/events/ical/{id}/event and GET /api/cal/events/google/{id}/event."""

import uuid

import pytest

from calendars.google import event_template_url
from calendars.ics import CalendarEvent
from tests.calendars.conftest import parse
from tests.factories import AppointmentFactory, CustomerFactory

ICAL = "/api/cal/events/ical/{}/event"
GOOGLE = "/api/cal/events/google/{}/event"
SUCCESS = {ICAL: 200, GOOGLE: 302}


@pytest.mark.parametrize("slash", ["", "/"])
def test_ical_download(api_client, appointment, slash):
    response = api_client.get(ICAL.format(appointment.pk) + slash)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="appointment-{appointment.pk}.ics"'
    assert "no-cache" in response["Cache-Control"]
    calendar, vevent = parse(response.content)
    assert "METHOD" not in calendar
    assert str(vevent["UID"]) == f"{appointment.pk}@localhost"
    assert vevent["DTSTART"].dt == appointment.start
    assert str(vevent["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize("slash", ["", "/"])
def test_google_redirect(api_client, appointment, slash):
    response = api_client.get(GOOGLE.format(appointment.pk) + slash)

    assert response.status_code == 302
    assert response["Location"] == event_template_url(CalendarEvent.from_appointment(appointment))
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
def test_calendar_apps_asking_for_other_types_still_get_the_calendar(api_client, appointment, path):
    response = api_client.get(path.format(appointment.pk), HTTP_ACCEPT="text/calendar")

    assert response.status_code == SUCCESS[path]


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", "f46f0000-0000-0000-0000-00000000000g"])
def test_malformed_id_is_400_in_the_envelope(api_client, db, path, bad_id):
    response = api_client.get(path.format(bad_id), HTTP_ACCEPT="text/calendar")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == 400
    assert body["error"] == "BadRequest"
    assert list(body["fields"]) == ["id"]
    assert bad_id in body["message"]


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
def test_unknown_id_is_404(api_client, db, path):
    unknown = uuid.uuid4()

    response = api_client.get(path.format(unknown))

    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "error": "StatusNotFound",
        "message": f"appointment {unknown} not found",
    }


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
def test_deleted_appointment_is_404(api_client, appointment, path):
    url = path.format(appointment.pk)
    assert api_client.get(url).status_code == SUCCESS[path]

    appointment.delete()

    assert api_client.get(url).status_code == 404


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
def test_no_token_is_needed_and_a_stale_one_is_ignored(api_client, appointment, path):
    """The links sit in emails; whoever opens them has the id, and the id is the key.

    There is no tenant to cross here: the lookup is by the unguessable id alone,
    so a token of another application (or a broken one) neither helps nor hurts.
    """
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.valid-token")

    response = api_client.get(path.format(appointment.pk))

    assert response.status_code == SUCCESS[path]


def test_other_tenants_token_reads_the_same_public_calendar(client_for, appointment, other_application):
    client = client_for("ROLE_AGENT", app=other_application)

    response = client.get(ICAL.format(appointment.pk))

    assert response.status_code == 200
    assert appointment.application_id != other_application.pk


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get(api_client, appointment, method):
    response = getattr(api_client, method)(ICAL.format(appointment.pk))

    assert response.status_code == 405
    assert response.json()["status"] == 405


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
@pytest.mark.parametrize("customers", [1, 8])
def test_query_count_does_not_grow_with_participants(
    api_client, db, django_assert_num_queries, path, customers
):
    appointment = AppointmentFactory()
    CustomerFactory.create_batch(customers, appointment=appointment)

    # One query for the appointment, one for all its participants.
    with django_assert_num_queries(2):
        response = api_client.get(path.format(appointment.pk))

    assert response.status_code == SUCCESS[path]
    if path == ICAL:
        _calendar, vevent = parse(response.content)
        assert len(vevent["ATTENDEE"]) == customers + 1
