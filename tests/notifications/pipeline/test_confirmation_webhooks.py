"""participant.confirmed and participant.declined: planned with the answer, sent with the answer as given."""

import pytest
from django.db import transaction

from appointments.models import Appointment
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.sending import delivery_send
from notifications.services import webhook_endpoint_create
from participants.confirmations import participant_confirmation_record
from participants.models import Participant, ParticipantType

pytestmark = pytest.mark.usefixtures("now")

EVENTS = ("participant.confirmed", "participant.declined")


@pytest.fixture
def listener(notifying, webhook_receiver):
    return webhook_endpoint_create(
        application=notifying, url=webhook_receiver.url(), events=["participant.confirmed"], secret="s" * 32
    )


def customer_of(appointment) -> Participant:
    return Participant.objects.get(appointment=appointment, type=ParticipantType.CUSTOMER)


def answer_rows():
    return Delivery.objects.filter(type__in=EVENTS).order_by("created_at", "type")


def test_a_confirmation_plans_one_webhook_per_subscribed_endpoint(
    notifying, schedule, listener, webhook_receiver
):
    appointment = schedule()
    webhook_endpoint_create(
        application=notifying, url=webhook_receiver.url("/declines"), events=["participant.declined"],
        secret="d" * 32,
    )  # fmt: skip
    webhook_endpoint_create(
        application=notifying, url=webhook_receiver.url("/off"), events=list(EVENTS), secret="o" * 32,
        active=False,
    )  # fmt: skip
    customer = customer_of(appointment)

    participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="SMS")

    [row] = answer_rows()
    assert row.type == "participant.confirmed" and row.channel == DeliveryChannel.WEBHOOK
    assert row.webhook_endpoint == listener and row.recipient == listener.url
    assert row.appointment_id == appointment.pk and row.participant_id == customer.participant_id
    assert row.status == DeliveryStatus.PENDING
    assert row.snapshot["participant"] == {
        "id": customer.participant_id,
        "type": "CUSTOMER",
        "confirmation": "CONFIRMED",
        "answeredAt": "2030-03-04T09:00:00Z",
        "channel": "SMS",
    }


def test_the_same_answer_twice_plans_nothing_more_and_a_change_of_mind_plans_the_other_event(
    notifying, schedule, listener
):
    listener.events = list(EVENTS)
    listener.save(update_fields=["events"])
    customer = customer_of(schedule())

    participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="SMS")
    participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="EMAIL")
    participant_confirmation_record(participant=customer, answer="DECLINED", channel="EMAIL")

    rows = list(answer_rows())
    assert [row.type for row in rows] == ["participant.confirmed", "participant.declined"]
    # Each row keeps the answer it announces, whatever came after.
    assert [row.snapshot["participant"]["confirmation"] for row in rows] == ["CONFIRMED", "DECLINED"]
    assert [row.snapshot["participant"]["channel"] for row in rows] == ["SMS", "EMAIL"]


def test_nothing_is_planned_when_notifications_are_off_for_the_appointment(notifying, schedule, listener):
    appointment = schedule()
    Appointment.objects.filter(pk=appointment.pk).update(notifications_active=False)

    participant_confirmation_record(participant=customer_of(appointment), answer="CONFIRMED", channel="SMS")

    assert not answer_rows().exists()


def test_the_rows_roll_back_with_the_answer(notifying, schedule, listener):
    customer = customer_of(schedule())

    with pytest.raises(RuntimeError), transaction.atomic():
        participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="SMS")
        raise RuntimeError("the caller failed after recording")

    customer.refresh_from_db()
    assert customer.confirmation == "NONE"
    assert not answer_rows().exists()


def test_the_webhook_carries_the_appointment_and_the_answer(notifying, schedule, listener, webhook_receiver):
    appointment = schedule()
    customer = customer_of(appointment)
    participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="SMS")
    [row] = answer_rows()

    assert delivery_send(delivery_id=row.pk) == "sent"

    [request] = webhook_receiver.requests
    body = request.json()
    assert request.headers["x-webhook-event"] == "participant.confirmed"
    assert request.headers["x-delivery-id"] == str(row.pk)
    assert body["event"] == "participant.confirmed"
    assert body["appointment"]["id"] == str(appointment.pk)
    assert body["participant"]["id"] == customer.participant_id
    assert body["participant"]["confirmation"] == "CONFIRMED"
    # The documented appointment shape is unchanged: the answer travels beside it, not in it.
    assert "confirmation" not in body["appointment"]


def test_an_endpoint_subscribes_to_the_answers_through_the_api(admin_client, notifying, webhook_receiver):
    body = {"url": webhook_receiver.url(), "events": list(EVENTS), "secret": "s" * 32}

    response = admin_client.post("/api/notifications/webhooks/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["events"] == list(EVENTS)
