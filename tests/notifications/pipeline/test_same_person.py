"""Two participants with one address get one message per event, and the ledger names both.

Emails are compared case-insensitively, phones in E.164. Each row lists the
participants it serves (`participant_ids`); when one of them leaves, the row
still goes to the others.
"""

import pytest
from django.contrib.auth import get_user_model

from appointments.participant_services import participant_add_customer, participant_remove
from appointments.services import appointment_delete, appointment_reschedule, appointment_update
from notifications.models import Delivery, DeliveryStatus
from notifications.pipeline.messages import delivery_message
from notifications.pipeline.sending import delivery_send
from notifications.pipeline.states import REMOVED_REASON
from participants.models import Participant
from participants.services import CustomerDetails
from tests.notifications.pipeline.conftest import CUSTOMER_EMAIL, CUSTOMER_PHONE, REMINDER_PERIOD, START

pytestmark = pytest.mark.usefixtures("now")


def _open(appointment_id, **filters) -> list[Delivery]:
    return list(
        Delivery.objects.filter(appointment_id=appointment_id, status="PENDING", **filters).order_by(
            "type", "channel", "due_at"
        )
    )


def _people(deliveries) -> list[tuple[str, str, list[str]]]:
    return [(d.type, d.channel, d.participant_ids) for d in deliveries]


@pytest.fixture
def shared(templates, schedule):
    """Bobby booked; then Pam joins with the same email (spelled differently) and the same phone."""
    appointment = schedule()
    bobby = appointment.participants.get(type="CUSTOMER")
    pam = participant_add_customer(
        appointment=appointment,
        customer=CustomerDetails(first_name="Pam", email=CUSTOMER_EMAIL.upper(), phone=CUSTOMER_PHONE),
    )
    return appointment, bobby, pam


def test_a_participant_who_shares_the_address_adds_no_second_message(shared):
    appointment, bobby, pam = shared
    both = [bobby.participant_id, pam.participant_id]

    updates = _open(appointment.pk, type="UPDATE")
    timed = _open(appointment.pk, type__in=["REMINDER", "ROOM"])

    assert _people(updates) == [("UPDATE", "EMAIL", both), ("UPDATE", "SMS", both)]
    assert [d.recipient for d in updates] == [CUSTOMER_EMAIL, CUSTOMER_PHONE]
    # Bobby's reminders and room links now serve Pam too; no second set was planned for her.
    assert _people(timed) == [
        ("REMINDER", "EMAIL", both),
        ("REMINDER", "SMS", both),
        ("ROOM", "EMAIL", both),
        ("ROOM", "SMS", both),
    ]
    assert {d.participant_id for d in updates + timed} == {bobby.participant_id}


def test_each_event_sends_one_email_and_one_sms_to_the_shared_address(shared, smtp_server, twilio_fake):
    appointment, _, _ = shared
    appointment_update(appointment=appointment, title="Family mortgage")

    for row in _open(appointment.pk, type="UPDATE"):
        assert delivery_send(delivery_id=row.pk) == "sent"

    assert [mail.rcpt_tos for mail in smtp_server.messages] == [[CUSTOMER_EMAIL]]
    assert [request.form["To"] for request in twilio_fake.requests] == [CUSTOMER_PHONE]


def test_reschedule_and_delete_plan_one_row_per_address(shared):
    appointment, bobby, pam = shared
    both = [bobby.participant_id, pam.participant_id]

    appointment_reschedule(
        appointment=appointment,
        start=START.replace(hour=15),
        duration=appointment.duration,
        timezone=appointment.timezone,
    )
    moved = _open(appointment.pk, type__in=["UPDATE", "REMINDER", "ROOM"])
    assert [d.participant_ids for d in moved] == [both] * 6

    appointment_delete(appointment=appointment)
    cancels = _open(appointment.pk, type="CANCEL")
    assert _people(cancels) == [("CANCEL", "EMAIL", both), ("CANCEL", "SMS", both)]


def test_different_addresses_are_not_merged(templates, schedule):
    appointment = schedule()
    bobby = appointment.participants.get(type="CUSTOMER")
    sue = participant_add_customer(
        appointment=appointment,
        customer=CustomerDetails(first_name="Sue", email="sue@example.com", phone=CUSTOMER_PHONE),
    )

    updates = _open(appointment.pk, type="UPDATE")
    assert sorted((d.channel, d.recipient, tuple(d.participant_ids)) for d in updates) == [
        ("EMAIL", CUSTOMER_EMAIL, (bobby.participant_id,)),
        ("EMAIL", "sue@example.com", (sue.participant_id,)),
        ("SMS", CUSTOMER_PHONE, (bobby.participant_id, sue.participant_id)),
    ]
    # Sue's own address gets her own reminders; the shared phone's stay one.
    assert len(_open(appointment.pk, type="REMINDER", channel="EMAIL")) == 2
    assert len(_open(appointment.pk, type="REMINDER", channel="SMS")) == 1


def test_when_the_first_leaves_the_row_still_goes_to_the_other(shared, smtp_server, time_machine):
    appointment, bobby, pam = shared
    [reminder] = _open(appointment.pk, type="REMINDER", channel="EMAIL")

    participant_remove(participant=bobby)

    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.PENDING
    assert reminder.participant_ids == [pam.participant_id]
    assert reminder.participant_id == pam.participant_id
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    assert delivery_send(delivery_id=reminder.pk) == "sent"
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [CUSTOMER_EMAIL]
    assert "Hi Pam," in mail.part("text/plain")


def test_when_the_last_served_participant_leaves_the_row_is_cancelled(shared):
    appointment, bobby, pam = shared
    [reminder] = _open(appointment.pk, type="REMINDER", channel="SMS")

    participant_remove(participant=pam)
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.PENDING and reminder.participant_ids == [bobby.participant_id]

    participant_remove(participant=bobby)
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED and reminder.cancel_reason == REMOVED_REASON


def test_sending_renders_for_any_served_participant_still_present(shared):
    appointment, bobby, pam = shared
    [update] = _open(appointment.pk, type="UPDATE", channel="EMAIL")
    # Bobby is gone without the planner having re-pointed the row (a row written before he left).
    Participant.objects.filter(pk=bobby.pk).delete()

    message = delivery_message(update)

    assert message.to == CUSTOMER_EMAIL
    assert message.text_body.startswith("Hi Pam,")


def test_the_api_and_the_admin_show_the_served_participants(shared, admin_client, client):
    appointment, bobby, pam = shared
    both = [bobby.participant_id, pam.participant_id]

    body = admin_client.get("/api/notifications/deliveries/", {"appointmentId": str(appointment.pk)}).json()
    pending = [d for d in body["content"] if d["status"] == "PENDING"]
    served = {(d["type"], d["channel"]): d["participantIds"] for d in pending}
    assert served[("UPDATE", "EMAIL")] == both

    staff = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-test-password")
    client.force_login(staff)
    [update] = _open(appointment.pk, type="UPDATE", channel="EMAIL")
    page = client.get(f"/admin/notifications/delivery/{update.pk}/change/").content.decode()
    assert bobby.participant_id in page and pam.participant_id in page
    listing = client.get("/admin/notifications/delivery/").content.decode()
    assert "column-served" in listing
