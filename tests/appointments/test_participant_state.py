import pytest

from appointments.models import Appointment
from participants.models import Participant
from tests.appointments.helpers import (
    DOC_PARTICIPANT_STATE_BODY,
    client_with,
    customer_client,
    customer_of,
    doc_body,
)


def url(appointment, pid) -> str:
    return f"/api/appointments/{appointment.pk}/participants/{pid}"


def test_the_documents_example_is_accepted_verbatim(appointment):
    pid = customer_of(appointment).participant_id
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.put(url(appointment, pid), doc_body(DOC_PARTICIPANT_STATE_BODY), format="json")

    assert response.status_code == 200, response.json()
    assert {"id": pid, "state": "JOINED", "type": "CUSTOMER"} in response.json()["participantIds"]
    assert Participant.objects.get(participant_id=pid).state == "JOINED"
    assert Appointment.objects.get(pk=appointment.pk).version == 2


@pytest.mark.parametrize("state", ["WAITING", "JOINED", "LEFT"])
def test_each_documented_state_is_accepted(appointment, state):
    client = client_with("ROLE_SUPERVISOR", application=appointment.application)

    response = client.put(url(appointment, "agent-1") + "/", {"state": state}, format="json")

    assert response.status_code == 200
    assert response.json()["organizer"]["state"] == state


@pytest.mark.parametrize(
    "body", [{}, {"state": "active"}, {"state": "DANCING"}, {"state": "joined"}, {"state": 3}]
)
def test_anything_else_is_refused(appointment, body):
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.put(url(appointment, "agent-1"), body, format="json")

    assert response.status_code == 400
    assert "state" in response.json()["fields"]
    assert Participant.objects.get(participant_id="agent-1").state == "active"


def test_a_customer_may_set_customer_states_only(appointment):
    client = customer_client(appointment)

    assert (
        client.put(
            url(appointment, customer_of(appointment).participant_id), {"state": "WAITING"}, format="json"
        ).status_code
        == 200
    )
    assert client.put(url(appointment, "agent-1"), {"state": "LEFT"}, format="json").status_code == 404
    assert Participant.objects.get(participant_id="agent-1").state == "active"


def test_setting_the_current_state_is_no_change(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)
    client.put(url(appointment, "agent-1"), {"state": "JOINED"}, format="json")

    client.put(url(appointment, "agent-1"), {"state": "JOINED"}, format="json")

    assert Appointment.objects.get(pk=appointment.pk).version == 2
