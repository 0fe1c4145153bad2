"""The outbox: what each appointment change queues, in the same transaction as the change."""

from datetime import timedelta

import pytest
from django.db import transaction

from appointments.participant_services import participant_add_customer, participant_remove
from appointments.services import (
    appointment_delete,
    appointment_end,
    appointment_reschedule,
    appointment_update,
)
from notifications.models import ChannelSender, Delivery, DeliveryStatus
from notifications.pipeline.states import DELETED_REASON, LATE_REASON, RESCHEDULED_REASON, SUPERSEDED_REASON
from participants.services import CustomerDetails
from tests.notifications.pipeline.conftest import (
    CUSTOMER_EMAIL,
    CUSTOMER_PHONE,
    REMINDER_PERIOD,
    ROOM_PERIOD,
    START,
)

pytestmark = pytest.mark.usefixtures("now")


def rows(appointment, **filters):
    return list(Delivery.objects.filter(appointment_id=appointment.pk, **filters).order_by("due_at", "type"))


def kinds(deliveries):
    return sorted((d.type, d.channel, d.recipient, d.status) for d in deliveries)


def test_schedule_queues_create_now_and_timed_rows_at_start_minus_period(templates, schedule, now):
    appointment = schedule()

    deliveries = rows(appointment)
    assert kinds(deliveries) == sorted(
        [
            ("CREATE", "EMAIL", CUSTOMER_EMAIL, "PENDING"),
            ("CREATE", "SMS", CUSTOMER_PHONE, "PENDING"),
            ("REMINDER", "EMAIL", CUSTOMER_EMAIL, "PENDING"),
            ("REMINDER", "SMS", CUSTOMER_PHONE, "PENDING"),
            ("ROOM", "EMAIL", CUSTOMER_EMAIL, "PENDING"),
            ("ROOM", "SMS", CUSTOMER_PHONE, "PENDING"),
        ]
    )
    due = {(d.type, d.channel): d.due_at for d in deliveries}
    assert due[("CREATE", "EMAIL")] == now
    assert due[("REMINDER", "SMS")] == START - REMINDER_PERIOD
    assert due[("ROOM", "EMAIL")] == START - ROOM_PERIOD
    assert {d.appointment_version for d in deliveries} == {1}
    assert {d.max_attempts for d in deliveries} == {5}
    assert all(d.application_id == appointment.application_id for d in deliveries)


def test_only_active_endpoints_of_the_application_listening_for_the_event_get_a_row(
    schedule, notifying, webhook_receiver
):
    from notifications.services import webhook_endpoint_create
    from tests.factories import ApplicationFactory

    def endpoint(application, path, events, active=True):
        return webhook_endpoint_create(
            application=application,
            url=webhook_receiver.url(path),
            events=events,
            secret="s" * 32,
            active=active,
        )

    target = endpoint(notifying, "/create", ["CREATE", "CANCEL"])
    endpoint(notifying, "/off", ["CREATE"], active=False)
    endpoint(notifying, "/update", ["UPDATE"])
    endpoint(ApplicationFactory(notifications_active=True), "/other", ["CREATE"])

    appointment = schedule()

    assert [d.webhook_endpoint_id for d in rows(appointment, channel="WEBHOOK")] == [target.pk]


def test_agents_and_customers_without_contact_get_nothing(templates, schedule):
    appointment = schedule(customer=CustomerDetails(first_name="No", last_name="Contact"))
    assert rows(appointment) == []


@pytest.mark.parametrize("switch", ["application", "appointment", "senders"])
def test_nothing_is_queued_when_notifications_are_off(templates, schedule, notifying, switch):
    if switch == "application":
        notifying.notifications_active = False
        notifying.save(update_fields=["notifications_active"])
        appointment = schedule()
    elif switch == "senders":
        ChannelSender.objects.filter(application=notifying).delete()
        appointment = schedule()
    else:
        appointment = schedule()
        Delivery.objects.all().delete()
        appointment.notifications_active = False
        appointment.save(update_fields=["notifications_active"])
        appointment_update(appointment=appointment, title="Changed")
    assert rows(appointment) == []


def test_only_verified_channels_are_queued(templates, schedule, sms_sender):
    sms_sender.delete()
    appointment = schedule()
    assert {d.channel for d in rows(appointment)} == {"EMAIL"}


def test_a_rolled_back_change_leaves_no_rows(templates, schedule):
    with pytest.raises(RuntimeError), transaction.atomic():
        schedule()
        raise RuntimeError("the request failed after scheduling")
    assert Delivery.objects.count() == 0


def test_a_rolled_back_participant_change_leaves_no_rows(templates, schedule):
    appointment = schedule()
    before = Delivery.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        participant_add_customer(
            appointment=appointment, customer=CustomerDetails(first_name="Late", email="late@example.com")
        )
        assert Delivery.objects.count() > before  # planned inside the transaction...
        raise RuntimeError("the request failed after adding the customer")

    assert Delivery.objects.count() == before  # ...and gone with it


def test_reschedule_cancels_pending_reminders_and_plans_new_ones(templates, schedule):
    appointment = schedule()
    old = {d.pk for d in rows(appointment, type="REMINDER")}
    new_start = START + timedelta(days=2)

    appointment_reschedule(
        appointment=appointment, start=new_start, duration=timedelta(minutes=45), timezone="Europe/Berlin"
    )

    for delivery in Delivery.objects.filter(pk__in=old):
        assert delivery.status == DeliveryStatus.CANCELLED
        assert delivery.cancel_reason == RESCHEDULED_REASON
    pending = rows(appointment, type="REMINDER", status="PENDING")
    assert {d.due_at for d in pending} == {new_start - REMINDER_PERIOD}
    assert {d.appointment_version for d in pending} == {2}
    updates = rows(appointment, type="UPDATE")
    assert {d.channel for d in updates} == {"EMAIL", "SMS"}


def test_delete_cancels_pending_rows_and_queues_cancel_with_a_snapshot(templates, schedule):
    appointment = schedule()
    appointment_id = appointment.pk

    appointment_delete(appointment=appointment)

    left = Delivery.objects.filter(appointment_id=appointment_id)
    assert {d.cancel_reason for d in left.exclude(type="CANCEL")} == {DELETED_REASON}
    assert set(left.exclude(type="CANCEL").values_list("status", flat=True)) == {"CANCELLED"}
    email = left.get(type="CANCEL", channel="EMAIL")
    assert email.status == DeliveryStatus.PENDING
    assert email.snapshot["subject"] == "CANCEL: Mortgage advice"
    assert "Hi Bobby, CANCEL Mortgage advice" in email.snapshot["text_body"]
    assert email.snapshot["event"]["appointment_id"] == str(appointment_id)
    assert email.snapshot["event"]["title"] == "Mortgage advice"
    sms = left.get(type="CANCEL", channel="SMS")
    assert sms.snapshot == {"to": CUSTOMER_PHONE, "body": sms.snapshot["body"]}
    assert sms.snapshot["body"].startswith("CANCEL Mortgage advice at ")


def test_a_newer_update_supersedes_a_pending_one(templates, schedule):
    appointment = schedule()
    appointment_update(appointment=appointment, title="First change")
    first = rows(appointment, type="UPDATE")

    appointment_update(appointment=appointment, title="Second change")

    assert {Delivery.objects.get(pk=d.pk).cancel_reason for d in first} == {SUPERSEDED_REASON}
    assert {d.appointment_version for d in rows(appointment, type="UPDATE", status="PENDING")} == {3}


def test_added_customer_gets_update_and_reminders_removed_one_loses_theirs(templates, schedule):
    appointment = schedule()
    added = participant_add_customer(
        appointment=appointment, customer=CustomerDetails(first_name="Sue", email="sue@example.com")
    )
    sue = rows(appointment, participant_id=added.participant_id)
    assert sorted(d.type for d in sue) == ["REMINDER", "ROOM", "UPDATE"]

    participant_remove(participant=added)

    assert set(Delivery.objects.filter(pk__in=[d.pk for d in sue]).values_list("status", flat=True)) == {
        "CANCELLED"
    }
    latest = rows(appointment, type="UPDATE", status="PENDING")
    assert {d.recipient for d in latest} == {CUSTOMER_EMAIL, CUSTOMER_PHONE}


def test_ending_cancels_pending_reminders(templates, schedule):
    appointment = schedule()
    appointment_end(appointment=appointment)
    assert not rows(appointment, type="REMINDER", status="PENDING")


def test_late_reminder_goes_out_now_if_the_appointment_has_not_started(templates, schedule, now):
    appointment = schedule(start=now + timedelta(hours=1))  # the 2-hour reminder is already late

    [email] = rows(appointment, type="REMINDER", channel="EMAIL")
    assert email.status == DeliveryStatus.PENDING
    assert email.due_at == now


def test_late_reminder_is_cancelled_once_the_appointment_started(templates, schedule, now):
    appointment = schedule(start=now - timedelta(minutes=5))

    reminders = rows(appointment, type="REMINDER")
    assert {(d.status, d.cancel_reason) for d in reminders} == {("CANCELLED", LATE_REASON)}


def test_webhooks_get_one_row_per_subscribed_endpoint_and_event(templates, schedule, hook_endpoint, now):
    appointment = schedule()

    hooks = rows(appointment, channel="WEBHOOK")
    assert sorted((d.type, d.due_at) for d in hooks) == [
        ("CREATE", now),
        ("REMINDER", START - REMINDER_PERIOD),
    ]
    assert {d.webhook_endpoint_id for d in hooks} == {hook_endpoint.pk}
    assert {d.recipient for d in hooks} == {hook_endpoint.url}


def test_a_reminder_due_before_the_first_day_of_the_calendar_is_late_not_an_error(
    templates, schedule, notifying
):
    from datetime import UTC, datetime

    from notifications.services import template_create

    template_create(
        application=notifying,
        type="REMINDER",
        channel="EMAIL",
        locale="en_US",
        subject="In three days: {{title}}",
        text_body="See you",
        period=timedelta(days=3),
    )

    appointment = schedule(start=datetime(1, 1, 2, tzinfo=UTC), timezone="UTC")

    early = [d for d in rows(appointment, type="REMINDER", channel="EMAIL") if d.template.period.days == 3]
    assert [(d.status, d.cancel_reason) for d in early] == [(DeliveryStatus.CANCELLED, LATE_REASON)]
