import pytest

from tests.appointments.helpers import DOC_APPOINTMENT_ID, DOC_UPDATE_BODY, client_with, doc_body
from tests.factories import AppointmentFactory


@pytest.fixture
def doc_appointment(doc_application):
    return AppointmentFactory(
        id=DOC_APPOINTMENT_ID,
        application=doc_application,
        organizer_id="agent-1",
        title="Old title",
        notes="old notes",
        metadata={"old": 1},
        notification_headers={"x-old": "1"},
    )


def test_the_documents_example_is_accepted_verbatim(doc_appointment):
    client = client_with("ROLE_AGENT", application=doc_appointment.application)

    response = client.put("/api/appointments/", doc_body(DOC_UPDATE_BODY), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Product installation review"
    assert body["notes"] == "CRM ref: 3nv-1gt-4rt"
    assert body["metadata"] == {"prop1": {}}
    assert body["notificationHeaders"] == {"property1": "string", "property2": "string"}
    doc_appointment.refresh_from_db()
    assert doc_appointment.title == "Product installation review"
    assert doc_appointment.version == 2


def test_fields_sent_empty_are_cleared_and_fields_left_out_are_kept(doc_appointment):
    client = client_with("ROLE_SUPERVISOR", application=doc_appointment.application, user_id="boss")

    response = client.put(
        "/api/appointments/",
        {"id": str(doc_appointment.pk), "title": "", "metadata": None, "notificationHeaders": ""},
        format="json",
    )

    assert response.status_code == 200
    doc_appointment.refresh_from_db()
    assert doc_appointment.title == ""
    assert doc_appointment.metadata == {}
    assert doc_appointment.notification_headers == {}
    assert doc_appointment.notes == "old notes"


def test_headers_may_come_as_a_string_holding_json_and_keys_pass_untouched(doc_appointment):
    client = client_with("ROLE_CLIENT_SERVICE", application=doc_appointment.application, user_id="svc")

    response = client.put(
        "/api/appointments/",
        {"id": str(doc_appointment.pk), "notificationHeaders": '{"X-Channel_ID": "web"}'},
        format="json",
    )

    assert response.json()["notificationHeaders"] == {"X-Channel_ID": "web"}


def test_sending_the_same_values_is_no_change(doc_appointment):
    client = client_with("ROLE_AGENT", application=doc_appointment.application)

    response = client.put(
        "/api/appointments/", {"id": str(doc_appointment.pk), "title": "Old title"}, format="json"
    )

    assert response.status_code == 200
    doc_appointment.refresh_from_db()
    assert doc_appointment.version == 1


def test_an_id_is_required(doc_appointment):
    client = client_with("ROLE_AGENT", application=doc_appointment.application)

    response = client.put("/api/appointments/", {"title": "x"}, format="json")

    assert response.status_code == 400
    assert "id" in response.json()["fields"]


def test_an_unknown_id_is_not_found(doc_appointment):
    client = client_with("ROLE_AGENT", application=doc_appointment.application)

    # A well-formed id that names nothing; one that is not a UUID at all is a 400 (test_id_spellings.py).
    body = {"id": "0b6a1d9e-5c1f-4e8a-9d3c-7f2e1a4b6c8d", "title": "x"}

    response = client.put("/api/appointments/", body, format="json")

    assert response.status_code == 404
