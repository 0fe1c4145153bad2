"""GET /api/appointments/{id}/confirmations: the participants' answers, to whoever may read it."""

from datetime import UTC, datetime

import pytest
from django.urls import resolve

from appointments import participant_apis
from participants.confirmations import participant_confirmation_record
from participants.models import Participant
from tests.appointments.helpers import FUTURE, client_with
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

ANSWERED_AT = datetime(2030, 1, 30, 8, 15, tzinfo=UTC)


@pytest.fixture
def booked(application):
    """agent-1's appointment: the organizer, a customer who confirmed by SMS and one who has not answered."""
    appointment = AppointmentFactory(application=application, organizer_id="agent-1", start=FUTURE)
    confirmed = CustomerFactory(appointment=appointment, participant_id="cust-yes")
    CustomerFactory(appointment=appointment, participant_id="cust-silent")
    participant_confirmation_record(participant=confirmed, answer="CONFIRMED", channel="SMS", at=ANSWERED_AT)
    return appointment


def path(appointment) -> str:
    return f"/api/appointments/{appointment.pk}/confirmations"


def test_an_agent_sees_every_participant_s_answer(booked):
    response = client_with("ROLE_AGENT", application=booked.application).get(path(booked))

    assert response.status_code == 200
    assert response.json() == {
        "appointmentId": str(booked.pk),
        "participants": [
            {"id": "agent-1", "type": "AGENT", "confirmation": "NONE", "answeredAt": None, "channel": None},
            {
                "id": "cust-yes",
                "type": "CUSTOMER",
                "confirmation": "CONFIRMED",
                "answeredAt": "2030-01-30T08:15:00Z",
                "channel": "SMS",
            },
            {
                "id": "cust-silent",
                "type": "CUSTOMER",
                "confirmation": "NONE",
                "answeredAt": None,
                "channel": None,
            },
        ],
    }


def test_a_decline_by_email_link_shows_as_such(booked):
    silent = Participant.objects.get(appointment=booked, participant_id="cust-silent")
    participant_confirmation_record(participant=silent, answer="DECLINED", channel="EMAIL")

    body = (
        client_with("ROLE_SUPERVISOR", application=booked.application, user_id="sup").get(path(booked)).json()
    )

    [row] = [p for p in body["participants"] if p["id"] == "cust-silent"]
    assert row["confirmation"] == "DECLINED" and row["channel"] == "EMAIL"


@pytest.mark.parametrize(
    ("roles", "user_id", "status"),
    [
        (("ROLE_AGENT",), "agent-1", 200),
        (("ROLE_SUPERVISOR",), "sup-1", 200),
        (("ROLE_CLIENT_SERVICE",), "svc-1", 200),
        (("ROLE_AGENT",), "agent-2", 404),  # an agent who neither organizes nor takes part
        (("ROLE_ADMIN",), "admin-1", 403),
    ],
)
def test_the_roles_of_get_appointment(booked, roles, user_id, status):
    client = client_with(*roles, application=booked.application, user_id=user_id)

    assert client.get(path(booked)).status_code == status


def test_a_customer_sees_only_the_customers_of_their_own_appointment(booked):
    client = client_with(
        "ROLE_CUSTOMER", application=booked.application, user_id="cust-yes", conference_id=str(booked.pk)
    )

    response = client.get(path(booked))

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["participants"]] == ["cust-yes", "cust-silent"]


def test_a_customer_of_another_appointment_gets_404(booked, application):
    elsewhere = AppointmentFactory(application=application)
    client = client_with(
        "ROLE_CUSTOMER", application=application, user_id="someone", conference_id=str(elsewhere.pk)
    )

    assert client.get(path(booked)).status_code == 404


def test_another_application_s_appointment_is_not_found(booked, other_application):
    client = client_with("ROLE_SUPERVISOR", application=other_application, user_id="sup-2")

    response = client.get(path(booked))

    assert response.status_code == 404
    assert response.json()["error"] == "StatusNotFound"


def test_an_id_that_is_no_uuid_is_not_found(application):
    client = client_with("ROLE_SUPERVISOR", application=application, user_id="sup-1")

    assert client.get("/api/appointments/not-a-uuid/confirmations").status_code == 404


def test_without_a_token_401(booked, api_client):
    assert api_client.get(path(booked)).status_code == 401


def test_both_spellings_reach_the_operation(booked):
    assert resolve(path(booked)).func.view_class is participant_apis.AppointmentConfirmationsApi
    client = client_with("ROLE_AGENT", application=booked.application)

    assert client.get(path(booked) + "/").status_code == 200


def test_the_answers_are_read_in_a_fixed_number_of_queries(booked, django_assert_max_num_queries):
    for n in range(20):
        CustomerFactory(appointment=booked, participant_id=f"more-{n}")
    client = client_with("ROLE_AGENT", application=booked.application)

    with django_assert_max_num_queries(3):
        response = client.get(path(booked))

    assert len(response.json()["participants"]) == 23
