import pytest

from appointments.models import Appointment
from participants.models import Participant, ParticipantType
from tests.appointments.helpers import (
    DOC_ADD_AGENT_BODY,
    DOC_AGENT_ID,
    DOC_APPOINTMENT_ID,
    client_with,
    doc_body,
)
from tests.factories import AppointmentFactory


def test_the_documents_example_is_accepted_verbatim(doc_application):
    appointment = AppointmentFactory(
        id=DOC_APPOINTMENT_ID, application=doc_application, organizer_id="agent-1"
    )
    client = client_with("ROLE_AGENT", application=doc_application)

    response = client.post(
        "/api/appointments/participants/agents/", doc_body(DOC_ADD_AGENT_BODY), format="json"
    )

    assert response.status_code == 200, response.json()
    assert {"id": DOC_AGENT_ID, "state": "active", "type": "AGENT"} in response.json()["participantIds"]
    assert Participant.objects.filter(
        appointment=appointment, participant_id=DOC_AGENT_ID, type="AGENT"
    ).exists()
    assert Appointment.objects.get(pk=appointment.pk).version == 2


@pytest.mark.parametrize("agent", ["agent-1", "agent-2"])
def test_an_agent_already_taking_part_is_a_conflict(appointment, agent):
    client = client_with("ROLE_SUPERVISOR", application=appointment.application, user_id="boss")
    body = {"id": str(appointment.pk), "userId": agent}
    if agent == "agent-2":
        assert client.post("/api/appointments/participants/agents", body, format="json").status_code == 200

    response = client.post("/api/appointments/participants/agents/", body, format="json")

    assert response.status_code == 409
    assert response.json()["error"] == "StatusConflict"
    assert appointment.participants.filter(participant_id=agent, type=ParticipantType.AGENT).count() == 1


def test_user_id_and_id_are_required(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.post("/api/appointments/participants/agents/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"id", "userId"}


def test_an_added_agent_reaches_the_appointment(appointment):
    client_with("ROLE_AGENT", application=appointment.application).post(
        "/api/appointments/participants/agents/",
        {"id": str(appointment.pk), "userId": "agent-3"},
        format="json",
    )

    newcomer = client_with("ROLE_AGENT", application=appointment.application, user_id="agent-3")

    assert newcomer.get(f"/api/appointments/{appointment.pk}").status_code == 200
