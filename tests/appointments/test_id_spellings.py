"""Appointment and application ids are read only as 36-character hyphenated UUIDs (either case).

Python's uuid.UUID also reads braces, urn:uuid: and 32 bare hex digits; the API does not:
such an id in a path is not found (404), in a body or query a 400 naming the field.
"""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from tests.appointments.helpers import client_with, schedule_body
from tests.appointments.operations import OPERATIONS, call, customer_pid

SPELLINGS = {
    "braces": lambda value: f"{{{value}}}",
    "urn": lambda value: f"urn:uuid:{value}",
    "bare-hex": lambda value: str(value).replace("-", ""),
}
_MARK = "APPOINTMENT-ID"


def _in_path(operation) -> bool:
    return _MARK in operation.path(SimpleNamespace(pk=_MARK), "p")


PATH_OPERATIONS = [op for op in OPERATIONS if op.takes_appointment_id and _in_path(op)]
BODY_OPERATIONS = [op for op in OPERATIONS if op.name in {"updateAppointment", "rescheduleAppointment"}]


def respelled(appointment, spell):
    """The appointment as an operation sees it, its id written another way."""
    return SimpleNamespace(pk=spell(str(appointment.pk)), application=appointment.application)


def staff(application):
    return client_with("ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", application=application)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("operation", PATH_OPERATIONS, ids=str)
def test_an_id_in_a_path_spelled_otherwise_is_not_found(appointment, operation, spelling):
    other = respelled(appointment, SPELLINGS[spelling])

    response = call(staff(appointment.application), operation, other, customer_pid(appointment))

    assert response.status_code == 404, response.content
    assert response.json()["error"] == "StatusNotFound"


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=str)
def test_an_id_in_a_body_spelled_otherwise_is_named(appointment, operation, spelling):
    other = respelled(appointment, SPELLINGS[spelling])

    response = call(staff(appointment.application), operation, other, customer_pid(appointment))

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["id"]


@pytest.mark.parametrize("operation", [*PATH_OPERATIONS, *BODY_OPERATIONS], ids=str)
def test_upper_case_hex_names_the_same_appointment(appointment, operation):
    other = respelled(appointment, str.upper)

    response = call(staff(appointment.application), operation, other, customer_pid(appointment))

    assert response.status_code == operation.success, response.content
    if response.status_code == 200 and "applicationId" in response.json():
        assert response.json()["id"] == str(appointment.pk)


def test_a_body_id_that_is_no_uuid_at_all_is_named(appointment):
    body = {"id": "no-such-appointment", "title": "x"}

    response = staff(appointment.application).put("/api/appointments/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["id"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_application_id_in_a_schedule_body_spelled_otherwise_is_named(application, spelling):
    body = schedule_body(application, applicationId=SPELLINGS[spelling](application.pk))

    response = staff(application).post("/api/appointments/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["applicationId"]


def test_an_upper_case_application_id_schedules_and_is_written_lower_case(application):
    body = schedule_body(application, applicationId=str(application.pk).upper())

    response = staff(application).post("/api/appointments/", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["applicationId"] == str(application.pk)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/api/appointments/count", {"start": "2030-01-31T19:00:00Z", "timeFrame": "PT1H"}),
        ("/api/appointments/overlap/count", {"start": "2030-01-31T19:00:00Z", "duration": "PT1H"}),
    ],
)
def test_an_application_id_in_a_query_spelled_otherwise_is_named(application, spelling, path, extra):
    query = {
        "applicationId": SPELLINGS[spelling](application.pk),
        "organizationId": application.organization_id,
        **extra,
    }

    response = APIClient().get(path, query)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["applicationId"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_application_id_filtering_the_list_spelled_otherwise_is_named(appointment, spelling):
    query = {"applicationId": SPELLINGS[spelling](appointment.application.pk)}

    response = staff(appointment.application).get("/api/appointments/", query)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["applicationId"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_customer_otp_application_id_spelled_otherwise_is_named(application, email_sender, spelling):
    body = {"applicationId": SPELLINGS[spelling](application.pk), "email": "sue@example.com"}

    response = APIClient().post("/api/appointments/basic/otp", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["applicationId"]


@pytest.mark.parametrize(("spell", "status"), [(SPELLINGS["braces"], 404), (str.upper, 200)])
def test_a_customer_tokens_conference_id_is_read_the_same_way(appointment, spell, status):
    client = client_with(
        "ROLE_CUSTOMER",
        application=appointment.application,
        user_id=customer_pid(appointment),
        conference_id=spell(str(appointment.pk)),
    )

    response = client.get(f"/api/appointments/{appointment.pk}")

    assert response.status_code == status
