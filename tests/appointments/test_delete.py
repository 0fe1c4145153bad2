from appointments.models import Appointment
from participants.models import Participant
from tests.appointments.helpers import client_with


def test_delete_removes_the_appointment_and_its_participants_for_good(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.delete(f"/api/appointments/{appointment.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Appointment.objects.filter(pk=appointment.pk).exists()
    assert not Participant.objects.filter(appointment_id=appointment.pk).exists()
    assert client.get(f"/api/appointments/{appointment.pk}").status_code == 404
    assert client.delete(f"/api/appointments/{appointment.pk}/").status_code == 404
