from participants.models import Participant, ParticipantType
from tests.appointments.helpers import DOC_ADD_CUSTOMER_BODY, DOC_APPOINTMENT_ID, client_with, doc_body
from tests.factories import AppointmentFactory


def test_the_documents_example_is_accepted_verbatim(doc_application):
    appointment = AppointmentFactory(
        id=DOC_APPOINTMENT_ID, application=doc_application, organizer_id="agent-1"
    )
    client = client_with("ROLE_AGENT", application=doc_application)

    response = client.post(
        "/api/appointments/participants/customers/", doc_body(DOC_ADD_CUSTOMER_BODY), format="json"
    )

    assert response.status_code == 200, response.json()
    customer = Participant.objects.get(appointment=appointment, type=ParticipantType.CUSTOMER)
    assert {"id": customer.participant_id, "state": "active", "type": "CUSTOMER"} in response.json()[
        "participantIds"
    ]
    assert (customer.email, customer.phone, customer.username) == (
        "user@provider.net",
        "+302102234988",
        "ewingb@myorg.com",
    )
    assert customer.metadata == {"refNo": "CS-9838"}


def test_each_customer_gets_a_new_id(appointment):
    client = client_with("ROLE_SUPERVISOR", application=appointment.application, user_id="boss")
    body = {"id": str(appointment.pk), "customer": {"name": {"firstName": "Sue"}}}

    client.post("/api/appointments/participants/customers", body, format="json")
    client.post("/api/appointments/participants/customers/", body, format="json")

    ids = list(
        appointment.participants.filter(type=ParticipantType.CUSTOMER).values_list(
            "participant_id", flat=True
        )
    )
    assert len(ids) == len(set(ids)) == 3


def test_the_customer_is_required(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    response = client.post(
        "/api/appointments/participants/customers/", {"id": str(appointment.pk)}, format="json"
    )

    assert response.status_code == 400
    assert "customer" in response.json()["fields"]
