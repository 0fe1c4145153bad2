"""Sending one delivery: compare-and-set claim, stale checks, fresh content, retries, opt-out, ROOM."""

from datetime import timedelta

import pytest

from appointments.models import Appointment
from appointments.services import appointment_delete, appointment_update
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import Delivery, DeliveryStatus, SmsOptOut
from notifications.pipeline.messages import TWILIO_STATUS_PATH
from notifications.pipeline.sending import delivery_send, retry_delay
from notifications.pipeline.states import LATE_REASON, OPTED_OUT_REASON
from tests.notifications.pipeline.conftest import CUSTOMER_EMAIL, CUSTOMER_PHONE, REMINDER_PERIOD, START

pytestmark = pytest.mark.usefixtures("now")


def one(appointment_id, type, channel) -> Delivery:
    return Delivery.objects.get(
        appointment_id=appointment_id,
        type=type,
        channel=channel,
        status__in=["PENDING", "FAILED", "SENT", "CANCELLED"],
    )


def send(delivery) -> str:
    outcome = delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return outcome


def test_a_reminder_is_sent_once_when_due(templates, schedule, smtp_server, time_machine):
    appointment = schedule()
    reminder = one(appointment.pk, "REMINDER", "EMAIL")

    assert send(reminder) == "skipped"  # not due yet
    assert reminder.status == DeliveryStatus.PENDING and reminder.attempts == 0

    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    assert send(reminder) == "sent"
    assert send(reminder) == "skipped"  # a second task for the same row does nothing

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [CUSTOMER_EMAIL]
    assert mail.message[DELIVERY_HEADER] == str(reminder.pk)
    assert reminder.status == DeliveryStatus.SENT
    assert reminder.attempts == 1 and reminder.sent_at == START - REMINDER_PERIOD
    assert reminder.provider_message_id == mail.message["Message-ID"].strip()


def test_content_is_rendered_when_sent_not_when_queued(templates, schedule, smtp_server, time_machine):
    appointment = schedule()
    reminder = one(appointment.pk, "REMINDER", "EMAIL")
    Appointment.objects.filter(pk=appointment.pk).update(title="Renamed later")

    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    send(reminder)

    [mail] = smtp_server.messages
    assert mail.message["Subject"] == "REMINDER: Renamed later"
    assert "invite.ics" in [name for name, _, _ in mail.attachments()]


def test_cancel_is_sent_from_the_snapshot_after_the_hard_delete(
    templates, schedule, smtp_server, twilio_fake
):
    appointment = schedule()
    appointment_id = appointment.pk
    appointment_delete(appointment=appointment)

    assert send(one(appointment_id, "CANCEL", "EMAIL")) == "sent"
    assert send(one(appointment_id, "CANCEL", "SMS")) == "sent"

    [mail] = smtp_server.messages
    assert mail.message["Subject"] == "CANCEL: Mortgage advice"
    [(name, content, mimetype)] = mail.attachments()
    assert b"METHOD:CANCEL" in content and str(appointment_id).encode() in content
    [sms] = twilio_fake.requests
    assert sms.form["To"] == CUSTOMER_PHONE and sms.form["Body"].startswith("CANCEL Mortgage advice")
    assert sms.form["StatusCallback"].endswith(TWILIO_STATUS_PATH)


def test_retryable_failures_back_off_then_fail_with_the_last_error(
    templates, schedule, smtp_server, time_machine, now
):
    appointment = schedule()
    create = one(appointment.pk, "CREATE", "EMAIL")
    smtp_server.data_reply = "451 4.3.0 Try again later"

    assert send(create) == "retried"
    assert create.status == DeliveryStatus.PENDING and create.attempts == 1
    assert "451" in create.last_error
    assert now < create.due_at <= now + timedelta(seconds=30)

    for attempt in range(2, 6):
        time_machine.move_to(create.due_at, tick=False)
        outcome = send(create)
        assert create.attempts == attempt
    assert outcome == "failed"
    assert create.status == DeliveryStatus.FAILED and "451" in create.last_error
    assert smtp_server.messages == []


def test_permanent_failures_fail_at_once(templates, schedule, smtp_server):
    appointment = schedule()
    create = one(appointment.pk, "CREATE", "EMAIL")
    smtp_server.rcpt_reply = "550 5.1.1 No such user"

    assert send(create) == "failed"
    assert create.attempts == 1 and "550" in create.last_error


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATIONS_RETRY_CAP_SECONDS = 60
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delays = {retry_delay(attempts).total_seconds() for _ in range(200)}
        assert max(delays) <= ceiling and min(delays) >= 1
        assert len(delays) > 100  # jittered, not one fixed value


def test_opt_out_stops_later_sms_to_that_number(templates, schedule, twilio_fake, time_machine, notifying):
    appointment = schedule()
    create = one(appointment.pk, "CREATE", "SMS")
    twilio_fake.reply_with(400, code=21610, message="Attempt to send to unsubscribed recipient")

    assert send(create) == "failed"
    assert SmsOptOut.objects.filter(application=notifying, phone=CUSTOMER_PHONE).exists()

    reminder = one(appointment.pk, "REMINDER", "SMS")
    time_machine.move_to(reminder.due_at, tick=False)
    assert send(reminder) == "cancelled"
    assert reminder.cancel_reason == OPTED_OUT_REASON
    assert len(twilio_fake.requests) == 1  # the reminder was never attempted


def test_room_notification_activates_the_appointment_first(templates, schedule, twilio_fake, time_machine):
    appointment = schedule()
    room = one(appointment.pk, "ROOM", "SMS")

    time_machine.move_to(room.due_at, tick=False)
    assert send(room) == "sent"

    appointment.refresh_from_db()
    assert appointment.room_url
    assert appointment.room_url in twilio_fake.requests[0].form["Body"]


def test_an_update_superseded_by_a_later_one_is_cancelled(templates, schedule, smtp_server):
    appointment = schedule()
    appointment_update(appointment=appointment, title="First")
    first = one(appointment.pk, "UPDATE", "EMAIL")
    # A worker already holds the older row when the newer change commits.
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.CLAIMED)
    appointment_update(appointment=appointment, title="Second")
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.CLAIMED, cancel_reason="")

    assert send(first) == "cancelled"
    assert first.cancel_reason == "superseded by a later change"
    assert smtp_server.messages == []


def test_switching_notifications_off_stops_queued_ones(templates, schedule, smtp_server, time_machine):
    appointment = schedule()
    reminder = one(appointment.pk, "REMINDER", "EMAIL")
    Appointment.objects.filter(pk=appointment.pk).update(notifications_active=False)

    time_machine.move_to(reminder.due_at, tick=False)
    assert send(reminder) == "cancelled"
    assert "switched off" in reminder.cancel_reason
    assert smtp_server.messages == []


def test_a_reminder_held_up_past_the_start_is_not_sent(templates, schedule, smtp_server, time_machine):
    appointment = schedule()
    reminder = one(appointment.pk, "REMINDER", "EMAIL")

    time_machine.move_to(START + timedelta(minutes=1), tick=False)
    assert send(reminder) == "cancelled"
    assert reminder.cancel_reason == LATE_REASON


def test_a_cancelled_row_is_never_sent(templates, schedule, smtp_server):
    appointment = schedule()
    create = one(appointment.pk, "CREATE", "EMAIL")
    Delivery.objects.filter(pk=create.pk).update(status=DeliveryStatus.CANCELLED)

    assert send(create) == "skipped"
    assert create.attempts == 0 and smtp_server.messages == []


def test_webhooks_carry_the_delivery_id_and_the_current_appointment(
    templates, schedule, hook_endpoint, webhook_receiver
):
    appointment = schedule()
    hook = one(appointment.pk, "CREATE", "WEBHOOK")
    Appointment.objects.filter(pk=appointment.pk).update(title="Fresh title")

    assert send(hook) == "sent"

    [request] = webhook_receiver.requests
    assert request.headers[DELIVERY_HEADER.lower()] == str(hook.pk)
    body = request.json()
    assert body["event"] == "CREATE"
    assert body["appointment"]["id"] == str(appointment.pk)
    assert body["appointment"]["title"] == "Fresh title"


def test_cancel_webhook_survives_the_delete(templates, schedule, hook_endpoint, webhook_receiver):
    appointment = schedule()
    appointment_id = appointment.pk
    appointment_delete(appointment=appointment)

    assert send(one(appointment_id, "CANCEL", "WEBHOOK")) == "sent"
    [request] = webhook_receiver.requests
    assert request.json()["appointment"]["title"] == "Mortgage advice"
