"""Every role, and no token, against every operation: the status the document's authorization implies."""

import pytest
from rest_framework.test import APIClient

from tests.appointments.helpers import client_with, customer_client
from tests.appointments.operations import ALL_ROLES, BASIC, OPERATIONS, PUBLIC, call, customer_pid

CALLERS = [*ALL_ROLES, None]


def expected_status(operation, role) -> int:
    if operation.roles == PUBLIC:
        return 200
    if operation.roles == BASIC or role is None:
        return 401
    return operation.success if role in operation.roles else 403


def client_as(role, appointment) -> APIClient:
    if role is None:
        return APIClient()
    if role == "ROLE_CUSTOMER":
        return customer_client(appointment)
    # The organizer's id, so that operations limited to one's own appointments admit it.
    return client_with(role, application=appointment.application, user_id="agent-1")


@pytest.mark.parametrize("role", CALLERS, ids=lambda role: role or "no-token")
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_role_matrix(appointment, operation, role):
    response = call(client_as(role, appointment), operation, appointment, customer_pid(appointment))

    assert response.status_code == expected_status(operation, role), (
        response.content if response.status_code != 204 else ""
    )
    if response.status_code in (401, 403):
        assert response.json()["error"] == {401: "Unauthorized", 403: "Forbidden"}[response.status_code]


def test_a_bad_signature_is_unauthorized(appointment):
    client = APIClient()
    token = client_with("ROLE_AGENT", application=appointment.application)._credentials["HTTP_AUTHORIZATION"]
    client.credentials(HTTP_AUTHORIZATION=token[:-4] + "AAAA")

    assert client.get(f"/api/appointments/{appointment.pk}").status_code == 401


def test_a_customer_reaches_only_its_conference(appointment, application):
    from tests.factories import AppointmentFactory

    elsewhere = AppointmentFactory(application=application)
    client = customer_client(appointment)

    assert client.get(f"/api/appointments/{appointment.pk}").status_code == 200
    assert client.get(f"/api/appointments/{elsewhere.pk}").status_code == 404
    assert client.put(f"/api/appointments/{elsewhere.pk}/end").status_code == 404


def test_an_agent_reaches_appointments_it_organizes_or_takes_part_in(application):
    from participants.models import ParticipantType
    from tests.factories import AppointmentFactory, ParticipantFactory

    organized = AppointmentFactory(application=application, organizer_id="agent-5")
    joined = AppointmentFactory(application=application, organizer_id="agent-6")
    ParticipantFactory(appointment=joined, participant_id="agent-5", type=ParticipantType.AGENT)
    foreign = AppointmentFactory(application=application, organizer_id="agent-6")
    client = client_with("ROLE_AGENT", application=application, user_id="agent-5")

    assert client.get(f"/api/appointments/{organized.pk}").status_code == 200
    assert client.get(f"/api/appointments/{joined.pk}").status_code == 200
    assert client.get(f"/api/appointments/{foreign.pk}").status_code == 404
    assert client.delete(f"/api/appointments/{foreign.pk}").status_code == 404


def test_a_token_mixing_roles_gains_no_reach_from_a_role_the_operation_does_not_admit(
    appointment, application
):
    from tests.factories import AppointmentFactory

    elsewhere = AppointmentFactory(application=application)
    # Ending admits AGENT and CUSTOMER only: the supervisor role must not widen the customer's reach.
    client = client_with(
        "ROLE_CUSTOMER",
        "ROLE_SUPERVISOR",
        application=application,
        user_id="c-1",
        conference_id=str(appointment.pk),
    )

    assert client.put(f"/api/appointments/{elsewhere.pk}/end").status_code == 404
    assert client.get(f"/api/appointments/{elsewhere.pk}").status_code == 200
