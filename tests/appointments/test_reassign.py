from appointments.models import Appointment
from participants.models import ParticipantType
from tests.appointments.helpers import (
    DOC_ADD_AGENT_BODY,
    DOC_AGENT_ID,
    DOC_APPOINTMENT_ID,
    client_with,
    doc_body,
)
from tests.factories import AppointmentFactory, CustomerFactory, ParticipantFactory


def agents_of(appointment) -> set[str]:
    return set(
        appointment.participants.filter(type=ParticipantType.AGENT).values_list("participant_id", flat=True)
    )


def test_the_new_agent_replaces_the_organizer_and_every_agent(doc_application):
    appointment = AppointmentFactory(
        id=DOC_APPOINTMENT_ID, application=doc_application, organizer_id="agent-1"
    )
    ParticipantFactory(appointment=appointment, participant_id="agent-2", type=ParticipantType.AGENT)
    customer = CustomerFactory(appointment=appointment)
    client = client_with("ROLE_SUPERVISOR", application=doc_application, user_id="boss")

    response = client.put("/api/appointments/reassign/", doc_body(DOC_ADD_AGENT_BODY), format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["organizer"] == {"id": DOC_AGENT_ID, "state": "active", "type": "AGENT"}
    assert {p["id"] for p in response.json()["participantIds"]} == {DOC_AGENT_ID, customer.participant_id}
    assert agents_of(appointment) == {DOC_AGENT_ID}
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.organizer_id, stored.version) == (DOC_AGENT_ID, 2)


def test_reassigning_to_the_current_organizer_changes_nothing(appointment):
    ParticipantFactory(appointment=appointment, participant_id="agent-2", type=ParticipantType.AGENT)
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.put(
        "/api/appointments/reassign", {"id": str(appointment.pk), "userId": "agent-1"}, format="json"
    )

    assert response.status_code == 200
    assert agents_of(appointment) == {"agent-1", "agent-2"}
    assert Appointment.objects.get(pk=appointment.pk).version == 1


def test_reassigning_to_an_agent_already_taking_part_keeps_that_participant(appointment):
    ParticipantFactory(
        appointment=appointment, participant_id="agent-2", type=ParticipantType.AGENT, state="JOINED"
    )
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.put(
        "/api/appointments/reassign/", {"id": str(appointment.pk), "userId": "agent-2"}, format="json"
    )

    assert response.json()["organizer"] == {"id": "agent-2", "state": "JOINED", "type": "AGENT"}
    assert agents_of(appointment) == {"agent-2"}


def test_the_old_organizer_loses_access(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)
    client.put("/api/appointments/reassign/", {"id": str(appointment.pk), "userId": "agent-9"}, format="json")

    assert client.get(f"/api/appointments/{appointment.pk}").status_code == 404


def test_user_id_is_required(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.put("/api/appointments/reassign/", {"id": str(appointment.pk)}, format="json")

    assert response.status_code == 400
    assert "userId" in response.json()["fields"]
