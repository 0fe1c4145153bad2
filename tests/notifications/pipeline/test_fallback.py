"""SMS -> email fallback: an SMS that cannot reach its recipient goes once by email, linked to it."""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from rest_framework.test import APIClient

from appointments.models import Appointment
from appointments.services import appointment_delete
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import ChannelSender, Delivery, DeliveryStatus, NotificationTemplate, SmsOptOut
from notifications.pipeline import fallback, outbox
from notifications.pipeline.sending import delivery_send
from notifications.pipeline.states import OPTED_OUT_REASON
from participants.models import Participant
from participants.services import CustomerDetails
from tests.notifications.pipeline.conftest import CUSTOMER_EMAIL, CUSTOMER_PHONE, START
from tests.notifications.pipeline.test_twilio_status import form_post

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def fallback_on(notifying):
    notifying.sms_fallback_to_email = True
    notifying.save(update_fields=["sms_fallback_to_email"])
    return notifying


@pytest.fixture
def booked(templates, schedule, email_sender, fallback_on):
    """A booking made before the application verified its email sender: it planned SMS only.

    (With the sender verified at booking time, the customer gets the email anyway and the
    fallback stays out of the way: see test_no_fallback_when_the_same_email_is_already_queued.)
    """
    fields = {f.name: getattr(email_sender, f.name) for f in ChannelSender._meta.fields if f.name != "id"}
    email_sender.delete()
    appointment = schedule()
    ChannelSender.objects.create(**fields)
    assert not Delivery.objects.filter(appointment_id=appointment.pk, channel="EMAIL").exists()
    return appointment


def sms_row(appointment, type="CREATE") -> Delivery:
    return Delivery.objects.get(appointment_id=appointment.pk, type=type, channel="SMS")


def sent(delivery: Delivery, sid: str = "SM123") -> Delivery:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, provider_message_id=sid, attempts=1
    )
    delivery.refresh_from_db()
    return delivery


def fallbacks_of(delivery: Delivery) -> list[Delivery]:
    return list(Delivery.objects.filter(fallback_of=delivery))


@pytest.fixture
def report(api_client, settings, twilio_fake):
    """report(status, sid=..., error_code=...): Twilio's status callback, signed as Twilio signs it."""

    def _report(status: str, sid: str = "SM123", error_code: str = "") -> None:
        params = {"MessageSid": sid, "MessageStatus": status}
        if error_code:
            params["ErrorCode"] = error_code
        assert form_post(api_client, settings, params).status_code == 204

    return _report


# --- the triggers ------------------------------------------------------------------------


def test_a_failed_sms_falls_back_to_one_email_rendered_when_sent(booked, twilio_fake, smtp_server, now):
    sms = sms_row(booked)
    twilio_fake.refuse_number(CUSTOMER_PHONE, 400, code=21211, message="Invalid 'To' Phone Number")

    assert delivery_send(delivery_id=sms.pk) == "failed"

    [email] = fallbacks_of(sms)
    assert email.channel == "EMAIL" and email.type == "CREATE" and email.status == DeliveryStatus.PENDING
    assert email.recipient == CUSTOMER_EMAIL and email.due_at == now
    assert email.participant_ids == sms.participant_ids and email.participant_id == sms.participant_id
    assert email.template.channel == "EMAIL" and email.template.type == "CREATE"
    assert email.appointment_version == sms.appointment_version

    Appointment.objects.filter(pk=booked.pk).update(title="Renamed before the email went")
    assert delivery_send(delivery_id=email.pk) == "sent"
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [CUSTOMER_EMAIL] and mail.message[DELIVERY_HEADER] == str(email.pk)
    assert mail.message["Subject"] == "CREATE: Renamed before the email went"


def test_a_retried_sms_does_not_fall_back_until_it_fails_for_good(booked, twilio_fake):
    sms = sms_row(booked)
    twilio_fake.reply_with(503)

    assert delivery_send(delivery_id=sms.pk) == "retried"
    assert fallbacks_of(sms) == []


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_twilio_reporting_the_sms_undelivered_falls_back(booked, status, report):
    sms = sent(sms_row(booked))

    report(status, error_code="30003")

    [email] = fallbacks_of(sms)
    assert email.recipient == CUSTOMER_EMAIL and email.status == DeliveryStatus.PENDING
    sms.refresh_from_db()
    assert sms.provider_status == status and "30003" in sms.last_error


def test_a_delivered_sms_does_not_fall_back(booked, report):
    sms = sent(sms_row(booked))

    report("sent")
    report("delivered")
    report("failed")  # after "delivered" the person had it

    assert fallbacks_of(sms) == []


def test_an_sms_to_a_number_that_opted_out_falls_back(booked, fallback_on, time_machine, twilio_fake):
    SmsOptOut.objects.create(application=fallback_on, phone=CUSTOMER_PHONE, reason="STOP")
    reminder = sms_row(booked, "REMINDER")
    time_machine.move_to(reminder.due_at, tick=False)

    assert delivery_send(delivery_id=reminder.pk) == "cancelled"

    reminder.refresh_from_db()
    assert reminder.cancel_reason == OPTED_OUT_REASON
    [email] = fallbacks_of(reminder)
    # The EMAIL reminder of the same period, not the ROOM or another reminder.
    assert email.type == "REMINDER" and email.template.period == reminder.template.period
    assert twilio_fake.requests == []


def test_the_opted_out_error_on_sending_falls_back(booked, twilio_fake, fallback_on):
    sms = sms_row(booked)
    twilio_fake.reply_with(400, code=21610, message="Attempt to send to unsubscribed recipient")

    assert delivery_send(delivery_id=sms.pk) == "failed"

    assert SmsOptOut.objects.filter(application=fallback_on, phone=CUSTOMER_PHONE).exists()
    assert len(fallbacks_of(sms)) == 1


# --- exactly once ------------------------------------------------------------------------


def test_a_repeated_callback_queues_the_email_once(booked, report):
    sms = sent(sms_row(booked))

    for _ in range(3):
        report("undelivered")
    report("failed")

    assert len(fallbacks_of(sms)) == 1


def test_the_database_refuses_a_second_fallback_of_one_sms(booked, report):
    sms = sent(sms_row(booked))
    report("failed")
    [email] = fallbacks_of(sms)

    second = Delivery(
        **{f.attname: getattr(email, f.attname) for f in Delivery._meta.fields if f.name != "id"}
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save(force_insert=True)


def test_a_fallback_that_cannot_be_planned_leaves_the_sms_outcome_recorded(
    booked, twilio_fake, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("template store unavailable")

    monkeypatch.setattr(fallback, "templates_for_appointment", broken)
    sms = sms_row(booked)
    twilio_fake.refuse_number(CUSTOMER_PHONE, 400, code=21211)

    assert delivery_send(delivery_id=sms.pk) == "failed"

    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.FAILED and fallbacks_of(sms) == []
    assert "could not be queued" in caplog.text


# --- when there is no fallback -----------------------------------------------------------


def no_fallback_reason(caplog, sms: Delivery) -> str:
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("no email fallback")]
    assert str(sms.pk) in line
    return line


@pytest.fixture
def info_logs(caplog):
    caplog.set_level(logging.INFO, logger=fallback.logger.name)
    return caplog


def test_nothing_when_the_setting_is_off(booked, fallback_on, report):
    fallback_on.sms_fallback_to_email = False
    fallback_on.save(update_fields=["sms_fallback_to_email"])
    sms = sent(sms_row(booked))

    report("undelivered")

    assert fallbacks_of(sms) == []


def test_nothing_when_the_recipient_has_no_email(templates, schedule, fallback_on, info_logs, report):
    appointment = schedule(customer=CustomerDetails(first_name="Bobby", phone=CUSTOMER_PHONE))
    sms = sent(sms_row(appointment))

    report("undelivered")

    assert fallbacks_of(sms) == []
    assert fallback.NO_EMAIL in no_fallback_reason(info_logs, sms)


def test_the_email_goes_to_the_address_the_participant_has_now(booked, report):
    Participant.objects.filter(appointment=booked, type="CUSTOMER").update(email="bobby.new@example.com")
    sms = sent(sms_row(booked))

    report("undelivered")

    [email] = fallbacks_of(sms)
    assert email.recipient == "bobby.new@example.com"


def test_customers_sharing_a_phone_get_the_email_at_the_first_ones_address(booked, report):
    from appointments.participant_services import participant_add_customer

    pam = participant_add_customer(
        appointment=booked,
        customer=CustomerDetails(first_name="Pam", email="pam@example.com", phone=CUSTOMER_PHONE),
    )
    reminder = sent(sms_row(booked, "REMINDER"))
    bobby = Participant.objects.get(appointment=booked, first_name="Bobby")
    assert reminder.participant_ids == [bobby.participant_id, pam.participant_id]

    report("undelivered")

    [email] = fallbacks_of(reminder)
    assert email.recipient == CUSTOMER_EMAIL and email.participant_ids == [bobby.participant_id]


@pytest.mark.parametrize("type", ["REMINDER", "ROOM"])
def test_nothing_for_a_timed_notification_once_the_appointment_started(
    booked, type, time_machine, info_logs, report
):
    sms = sent(sms_row(booked, type))
    time_machine.move_to(START + timedelta(minutes=1), tick=False)

    report("undelivered")

    assert fallbacks_of(sms) == []
    assert fallback.STARTED in no_fallback_reason(info_logs, sms)


def test_a_reminder_reported_undelivered_before_the_start_falls_back(booked, time_machine, report):
    sms = sent(sms_row(booked, "REMINDER"))
    time_machine.move_to(START - timedelta(minutes=30), tick=False)

    report("undelivered")

    assert len(fallbacks_of(sms)) == 1


def test_nothing_once_the_appointment_is_gone(booked, info_logs, report):
    sms = sent(sms_row(booked))
    appointment_id = booked.pk
    appointment_delete(appointment=booked)
    cancel = sent(Delivery.objects.get(appointment_id=appointment_id, type="CANCEL", channel="SMS"), "SM456")

    report("undelivered")
    report("undelivered", sid="SM456")

    assert fallbacks_of(sms) == [] and fallbacks_of(cancel) == []
    reasons = [r.getMessage() for r in info_logs.records if r.getMessage().startswith("no email fallback")]
    assert any(fallback.NO_APPOINTMENT in reason for reason in reasons)
    assert any(fallback.CANCEL_NOT_FALLEN_BACK in reason for reason in reasons)


@pytest.mark.parametrize("where", ["appointment", "application"])
def test_nothing_when_notifications_are_off(booked, fallback_on, where, info_logs, report):
    sms = sent(sms_row(booked))
    if where == "appointment":
        Appointment.objects.filter(pk=booked.pk).update(notifications_active=False)
    else:
        fallback_on.notifications_active = False
        fallback_on.save(update_fields=["notifications_active"])

    report("undelivered")

    assert fallbacks_of(sms) == []
    assert fallback.NOTIFICATIONS_OFF in no_fallback_reason(info_logs, sms)


def test_nothing_without_an_active_email_template(booked, templates, info_logs, report):
    NotificationTemplate.objects.filter(pk=templates[("CREATE", "EMAIL")].pk).update(active=False)
    sms = sent(sms_row(booked))

    report("undelivered")

    assert fallbacks_of(sms) == []
    assert fallback.NO_TEMPLATE in no_fallback_reason(info_logs, sms)


def test_nothing_without_a_verified_email_sender(booked, info_logs, report):
    ChannelSender.objects.filter(channel="EMAIL").delete()
    sms = sent(sms_row(booked))

    report("undelivered")

    assert fallbacks_of(sms) == []
    assert fallback.NO_SENDER in no_fallback_reason(info_logs, sms)


def test_no_fallback_when_the_same_email_is_already_queued(
    templates, schedule, fallback_on, info_logs, report
):
    appointment = schedule()  # the email sender is verified: CREATE goes by email as well
    sms = sent(sms_row(appointment))

    report("undelivered")

    assert fallbacks_of(sms) == []
    assert fallback.ALREADY_EMAILED in no_fallback_reason(info_logs, sms)


def test_an_update_overtaken_by_a_later_one_does_not_fall_back(booked, info_logs, report):
    from appointments.services import appointment_update

    appointment_update(appointment=booked, title="First")
    first = sent(sms_row(booked, "UPDATE"))
    appointment_update(appointment=booked, title="Second")

    report("undelivered")

    assert fallbacks_of(first) == []
    assert "superseded" in no_fallback_reason(info_logs, first)


# --- concurrency (PostgreSQL) -------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one writer at a time, so two callbacks cannot race",
)


def in_threads(work, count: int = 2) -> list:
    """Run work() in `count` threads at once, each on its own connection; their results."""
    barrier = threading.Barrier(count)
    results: list = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == count, "a thread failed"
    return results


@pytest.fixture
def no_hand_off(monkeypatch):
    # Committed rows would be handed to a broker nobody reads here: the rows themselves are the point.
    monkeypatch.setattr(outbox, "deliveries_enqueue", lambda ids: None)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_callbacks_queue_one_email(booked, settings, twilio_fake, no_hand_off, round_):
    sms = sent(sms_row(booked))
    clients = iter([APIClient(), APIClient()])

    def callback():
        params = {"MessageSid": "SM123", "MessageStatus": "undelivered", "ErrorCode": "30003"}
        return form_post(next(clients), settings, params).status_code

    assert in_threads(callback) == [204, 204]
    assert len(fallbacks_of(sms)) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_constraint_keeps_one_email_when_both_writers_passed_the_check(booked, monkeypatch, no_hand_off):
    sms = sent(sms_row(booked))
    both_checked = threading.Barrier(2)
    plan = fallback._fallback_row

    def plan_after_the_other_checked_too(delivery, *, now):
        # Both have found no fallback yet: only the unique constraint stands between them now.
        both_checked.wait(timeout=10)
        return plan(delivery, now=now)

    monkeypatch.setattr(fallback, "_fallback_row", plan_after_the_other_checked_too)

    def queue():
        with transaction.atomic():
            mine = Delivery.objects.select_related("application").get(pk=sms.pk)
            return fallback.sms_fallback_queue(sms=mine)

    results = in_threads(queue)

    [email] = fallbacks_of(sms)
    assert sorted(result is None for result in results) == [False, True]
    assert next(result for result in results if result is not None).pk == email.pk
