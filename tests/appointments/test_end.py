from appointments.models import Appointment, InteractionState
from tests.appointments.helpers import client_with, customer_client


def test_end_completes_the_interaction_and_is_idempotent(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    first = client.put(f"/api/appointments/{appointment.pk}/end")
    second = client.put(f"/api/appointments/{appointment.pk}/end/")

    assert first.status_code == second.status_code == 200
    assert first.json()["interaction"]["state"] == "COMPLETE"
    assert second.json() == first.json()
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.interaction_state == InteractionState.COMPLETE
    assert stored.version == 2


def test_the_customer_of_the_appointment_may_end_it(appointment):
    response = customer_client(appointment).put(f"/api/appointments/{appointment.pk}/end")

    assert response.status_code == 200
    assert response.json()["interaction"]["state"] == "COMPLETE"
