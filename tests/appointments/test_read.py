"""GET /api/appointments/{id}: what it costs and whom it reaches."""

import pytest

from tests.appointments.helpers import client_with
from tests.factories import AppointmentFactory, CustomerFactory, ParticipantFactory


@pytest.mark.parametrize(
    ("roles", "user_id"),
    [(["ROLE_AGENT"], "agent-1"), (["ROLE_SUPERVISOR"], "boss"), (["ROLE_AGENT", "ROLE_SUPERVISOR"], "x")],
)
def test_reading_an_appointment_is_two_queries(application, django_assert_num_queries, roles, user_id):
    appointment = AppointmentFactory(application=application, organizer_id="agent-1")
    CustomerFactory(appointment=appointment)
    client = client_with(*roles, application=application, user_id=user_id)
    client.get(f"/api/appointments/{appointment.pk}")  # this process now knows the token's application

    with django_assert_num_queries(2):  # the appointment, its participants
        response = client.get(f"/api/appointments/{appointment.pk}")

    assert response.status_code == 200
    assert len(response.json()["participantIds"]) == 2


def test_an_agent_taking_part_reaches_it_and_one_who_does_not_gets_404(application):
    appointment = AppointmentFactory(application=application, organizer_id="agent-1")
    ParticipantFactory(appointment=appointment, participant_id="agent-2", type="AGENT")
    # A customer participant whose id happens to equal an agent's user id grants that agent nothing.
    CustomerFactory(appointment=appointment, participant_id="agent-3")

    def status(user_id):
        client = client_with("ROLE_AGENT", application=application, user_id=user_id)
        return client.get(f"/api/appointments/{appointment.pk}").status_code

    assert [status("agent-1"), status("agent-2"), status("agent-3"), status("agent-4")] == [
        200,
        200,
        404,
        404,
    ]


def test_a_customer_reaches_only_the_appointment_its_token_names(application):
    mine = AppointmentFactory(application=application)
    other = AppointmentFactory(application=application)
    client = client_with("ROLE_CUSTOMER", application=application, user_id="c", conference_id=str(mine.pk))

    assert client.get(f"/api/appointments/{mine.pk}").status_code == 200
    assert client.get(f"/api/appointments/{other.pk}").status_code == 404


def test_another_tenants_appointment_is_not_found_even_for_a_supervisor(application, other_application):
    theirs = AppointmentFactory(application=other_application)
    client = client_with("ROLE_SUPERVISOR", application=application, user_id="boss")

    assert client.get(f"/api/appointments/{theirs.pk}").status_code == 404
