from appointments.models import Appointment
from participants.models import Participant, ParticipantType
from tests.appointments.helpers import client_with, customer_of
from tests.factories import ParticipantFactory


def test_removing_a_participant_returns_the_appointment_without_it(appointment):
    pid = customer_of(appointment).participant_id
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.delete(f"/api/appointments/{appointment.pk}/participants/{pid}")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["participantIds"]] == ["agent-1"]
    assert not Participant.objects.filter(participant_id=pid).exists()
    assert Appointment.objects.get(pk=appointment.pk).version == 2
    assert client.delete(f"/api/appointments/{appointment.pk}/participants/{pid}").status_code == 404


def test_another_agent_may_be_removed(appointment):
    ParticipantFactory(appointment=appointment, participant_id="agent-2", type=ParticipantType.AGENT)
    client = client_with("ROLE_SUPERVISOR", application=appointment.application, user_id="boss")

    response = client.delete(f"/api/appointments/{appointment.pk}/participants/agent-2/")

    assert response.status_code == 200
    assert {p["id"] for p in response.json()["participantIds"]} == {
        "agent-1",
        customer_of(appointment).participant_id,
    }


def test_the_organizer_cannot_be_removed(appointment):
    client = client_with("ROLE_SUPERVISOR", application=appointment.application, user_id="boss")

    response = client.delete(f"/api/appointments/{appointment.pk}/participants/agent-1")

    assert response.status_code == 400
    assert "participantId" in response.json()["fields"]
    assert Participant.objects.filter(participant_id="agent-1").exists()
