"""Every operation with another application's ids is 404, whatever the caller's roles."""

import pytest
import time_machine

from tests.appointments.helpers import client_with, later, schedule_body
from tests.appointments.operations import OPERATIONS, call, customer_pid
from tests.factories import AppointmentFactory, CustomerFactory


@pytest.fixture
def foreign(other_application):
    appointment = AppointmentFactory(application=other_application, organizer_id="agent-1")
    CustomerFactory(appointment=appointment)
    return appointment


BY_ID = [op for op in OPERATIONS if op.takes_appointment_id]
CASES = [(op, role) for op in BY_ID for role in sorted(op.roles)]


@pytest.mark.parametrize(("operation", "role"), CASES, ids=[f"{op}-{role}" for op, role in CASES])
def test_another_applications_appointment_is_not_found(application, foreign, operation, role):
    # Same user id as the foreign organizer, and for customers the foreign appointment as conference:
    # only the tenant differs.
    client = client_with(
        role,
        application=application,
        user_id="agent-1" if role != "ROLE_CUSTOMER" else customer_pid(foreign),
        conference_id=str(foreign.pk),
    )

    response = call(client, operation, foreign, customer_pid(foreign))

    assert response.status_code == 404
    assert response.json()["error"] == "StatusNotFound"
    foreign.refresh_from_db()
    assert foreign.version == 1


def test_schedule_in_another_application_is_not_found(application, other_application):
    client = client_with("ROLE_AGENT", application=application)

    assert (
        client.post("/api/appointments/", schedule_body(other_application), format="json").status_code == 404
    )


def test_list_for_another_application_is_not_found(application, other_application, foreign):
    client = client_with("ROLE_SUPERVISOR", application=application)

    response = client.get("/api/appointments/", {"applicationId": str(other_application.pk)})

    assert response.status_code == 404


def test_supervisors_list_only_their_application(application, foreign):
    mine = AppointmentFactory(application=application, organizer_id="agent-1")
    client = client_with("ROLE_SUPERVISOR", application=application)

    assert [item["id"] for item in client.get("/api/appointments/").json()["content"]] == [str(mine.pk)]


@time_machine.travel(later(-60), tick=False)
def test_eligible_lists_only_the_callers_application(application, foreign):
    mine = AppointmentFactory(application=application, start=foreign.start)
    client = client_with("ROLE_CLIENT_SERVICE", application=application)

    response = client.get("/api/appointments/eligible/", {"timeFrame": "PT2H"})

    assert [item["id"] for item in response.json()] == [str(mine.pk)]
