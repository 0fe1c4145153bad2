from datetime import UTC, datetime, timedelta

from appointments.models import Appointment
from tests.appointments.helpers import DOC_APPOINTMENT_ID, DOC_RESCHEDULE_BODY, client_with, doc_body
from tests.factories import AppointmentFactory


def test_the_documents_example_is_accepted_verbatim(doc_application):
    appointment = AppointmentFactory(
        id=DOC_APPOINTMENT_ID, application=doc_application, organizer_id="agent-1"
    )
    client = client_with("ROLE_AGENT", application=doc_application)

    response = client.put("/api/appointments/reschedule/", doc_body(DOC_RESCHEDULE_BODY), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["start"], body["end"], body["duration"]) == (
        "2022-01-31T19:00:00Z",
        "2022-01-31T19:05:00Z",
        "PT5M",
    )
    assert body["locale"] == "en_GB"
    appointment.refresh_from_db()
    assert appointment.end == datetime(2022, 1, 31, 19, 5, tzinfo=UTC)
    assert (appointment.version, appointment.sequence) == (2, 1)


def test_the_locale_is_optional_and_kept(appointment):
    client = client_with("ROLE_SUPERVISOR", application=appointment.application, user_id="boss")
    body = {
        "id": str(appointment.pk),
        "start": "2031-05-01T08:00:00Z",
        "duration": "PT45M",
        "timezone": "America/New_York",
    }

    response = client.put("/api/appointments/reschedule", body, format="json")

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.locale == "en_US"
    assert appointment.timezone == "America/New_York"
    assert appointment.duration == timedelta(minutes=45)
    assert appointment.end == datetime(2031, 5, 1, 8, 45, tzinfo=UTC)


def test_each_required_field_is_named(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.put("/api/appointments/reschedule/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"id", "start", "duration", "timezone"}


def test_rescheduling_to_the_same_slot_changes_nothing(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)
    body = {
        "id": str(appointment.pk),
        "start": "2030-01-31T19:00:00Z",
        "duration": "PT30M",
        "timezone": "Europe/Berlin",
    }

    response = client.put("/api/appointments/reschedule/", body, format="json")

    assert response.status_code == 200
    assert Appointment.objects.get(pk=appointment.pk).sequence == 0
