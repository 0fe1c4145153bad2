from datetime import timedelta

import time_machine

from appointments.models import InteractionState
from participants.models import ParticipantType
from tests.appointments.helpers import client_with, customer_client, customer_of
from tests.factories import AppointmentFactory, CustomerFactory


def test_details_have_the_documents_shape(appointment):
    customer = customer_of(appointment)
    customer.username, customer.metadata = "ewingb@myorg.com", {"refNo": "CS-9838"}
    customer.save()
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.get(f"/api/appointments/{appointment.pk}/participants/{customer.participant_id}")

    assert response.status_code == 200
    assert response.json() == {
        "contact": {"primaryEmail": customer.email, "primaryPhone": "+302102234988"},
        "id": customer.participant_id,
        "metadata": {"refNo": "CS-9838"},
        "name": {"firstName": "Bobby", "lastName": "Ewing"},
        "type": "CUSTOMER",
        "username": "ewingb@myorg.com",
    }


def test_agents_and_supervisors_see_agent_participants(appointment):
    for role in ("ROLE_AGENT", "ROLE_SUPERVISOR"):
        client = client_with(role, application=appointment.application)
        response = client.get(f"/api/appointments/{appointment.pk}/participants/agent-1/")
        assert response.json()["type"] == "AGENT"


def test_a_customer_sees_customer_participants_of_its_appointment_only(appointment, application):
    client = customer_client(appointment)
    other_customer = CustomerFactory(appointment=appointment)
    elsewhere = AppointmentFactory(application=application)
    stranger = CustomerFactory(appointment=elsewhere)

    assert (
        client.get(
            f"/api/appointments/{appointment.pk}/participants/{other_customer.participant_id}"
        ).status_code
        == 200
    )
    assert client.get(f"/api/appointments/{appointment.pk}/participants/agent-1").status_code == 404
    assert (
        client.get(f"/api/appointments/{elsewhere.pk}/participants/{stranger.participant_id}").status_code
        == 404
    )


def test_a_customer_gets_nothing_once_the_appointment_has_ended(appointment):
    pid = customer_of(appointment).participant_id

    with time_machine.travel(appointment.end - timedelta(seconds=1), tick=False):
        client = customer_client(appointment)  # tokens minted at the travelled-to time
        assert client.get(f"/api/appointments/{appointment.pk}/participants/{pid}").status_code == 200
    with time_machine.travel(appointment.end, tick=False):
        client = customer_client(appointment)
        assert client.get(f"/api/appointments/{appointment.pk}/participants/{pid}").status_code == 404
        # Agents still see it.
        agent = client_with("ROLE_AGENT", application=appointment.application)
        assert agent.get(f"/api/appointments/{appointment.pk}/participants/{pid}").status_code == 200


def test_a_customer_gets_nothing_once_the_interaction_completed(appointment):
    appointment.interaction_state = InteractionState.COMPLETE
    appointment.save()
    pid = customer_of(appointment).participant_id

    assert (
        customer_client(appointment).get(f"/api/appointments/{appointment.pk}/participants/{pid}").status_code
        == 404
    )


def test_an_unknown_participant_is_not_found(appointment):
    client = client_with("ROLE_SUPERVISOR", application=appointment.application)

    assert client.get(f"/api/appointments/{appointment.pk}/participants/nobody").status_code == 404
    assert appointment.participants.filter(type=ParticipantType.AGENT).count() == 1
