from participants.models import ParticipantType
from tests.factories import AppointmentFactory, CustomerFactory


def test_appointment_factory_adds_its_organizer_as_agent_participant(db):
    appointment = AppointmentFactory()
    customer = CustomerFactory(appointment=appointment)

    participants = {(p.participant_id, p.type) for p in appointment.participants.all()}
    assert participants == {
        (appointment.organizer_id, ParticipantType.AGENT),
        (customer.participant_id, ParticipantType.CUSTOMER),
    }
    assert customer.application_id == appointment.application_id
    assert appointment.end - appointment.start == appointment.duration
