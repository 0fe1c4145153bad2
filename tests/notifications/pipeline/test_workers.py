"""The pipeline with real Celery worker processes: exactly once under concurrency, and after a SIGKILL.

Workers and sweepers are separate processes; email goes to a loopback SMTP
server and SMS to a loopback Twilio fake, where every message is counted.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import (
    ChannelSender,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    NotificationTemplate,
)
from notifications.pipeline.states import WORKER_LOST
from participants.models import Participant, ParticipantType
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.processes import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMERS_PER_APPOINTMENT = 10


def seed(*, emails: int, sms: int) -> list[Delivery]:
    """Due CREATE deliveries, one per customer and channel, every recipient distinct."""
    application = ApplicationFactory(notifications_active=True)
    now = timezone.now()
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="acme.example", verified_at=now
    )
    ChannelSender.objects.create(
        application=application, channel="SMS", from_number="+302102234988", verified_at=now
    )
    templates = {
        channel: NotificationTemplate.objects.create(
            application=application,
            type="CREATE",
            channel=channel,
            locale="en_US",
            subject="Booked: {{title}}" if channel == "EMAIL" else "",
            text_body="Hi {{firstName}}, {{title}} at {{HH:mm}}",
        )
        for channel in ("EMAIL", "SMS")
    }
    wanted = [("EMAIL", i) for i in range(emails)] + [("SMS", i) for i in range(sms)]
    customers = max(emails, sms)
    start = datetime(2031, 1, 1, 10, 0, tzinfo=UTC)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            application=application,
            organizer_id="agent-1",
            title=f"Call {n}",
            timezone="Europe/Berlin",
            start=start,
            duration=timedelta(minutes=30),
            end=start + timedelta(minutes=30),
            routing_type="GENESYS_CLOUD_FLOW",
        )
        for n in range(-(-customers // CUSTOMERS_PER_APPOINTMENT))
    )
    Participant.objects.bulk_create(
        Participant(
            application=application,
            appointment=appointments[i // CUSTOMERS_PER_APPOINTMENT],
            participant_id=f"customer-{i}",
            type=ParticipantType.CUSTOMER,
            first_name=f"Customer{i}",
            email=f"customer{i}@example.com",
            phone=f"+306931{i:06d}",
        )
        for i in range(customers)
    )
    return Delivery.objects.bulk_create(
        Delivery(
            application=application,
            appointment_id=appointments[i // CUSTOMERS_PER_APPOINTMENT].pk,
            type="CREATE",
            channel=channel,
            template=templates[channel],
            recipient=f"customer{i}@example.com" if channel == "EMAIL" else f"+306931{i:06d}",
            participant_id=f"customer-{i}",
            locale="en_US",
            due_at=now - timedelta(seconds=1),
            max_attempts=5,
        )
        for channel, i in wanted
    )


def open_count() -> int:
    return Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]
    ).count()


def emails_by_delivery(smtp) -> Counter:
    return Counter(mail.message[DELIVERY_HEADER] for mail in list(smtp.messages))


def sms_by_number(twilio) -> Counter:
    return Counter(request.form.get("To") for request in list(twilio.requests))


def test_two_workers_and_two_sweepers_send_each_of_1000_deliveries_exactly_once(processes, smtp, twilio):
    deliveries = seed(emails=500, sms=500)
    group = processes(NOTIFICATIONS_CLAIM_LEASE_SECONDS=60, NOTIFICATIONS_SEND_LEASE_SECONDS=60)
    for name in ("worker-a", "worker-b"):
        group.worker(name)
    for name in ("sweeper-a", "sweeper-b"):
        group.sweeper(name)

    try:
        wait_until(lambda: open_count() == 0, timeout=150, message="deliveries still open")
    except AssertionError:
        pytest.fail(f"{open_count()} deliveries still open\n{group.logs()}")

    assert Counter(Delivery.objects.values_list("status", flat=True)) == {"SENT": 1000}
    emails = emails_by_delivery(smtp)
    texts = sms_by_number(twilio)
    email_ids = {str(d.pk) for d in deliveries if d.channel == DeliveryChannel.EMAIL}
    numbers = {d.recipient for d in deliveries if d.channel == DeliveryChannel.SMS}
    assert set(emails) == email_ids and set(emails.values()) == {1}
    assert set(texts) == numbers and set(texts.values()) == {1}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(processes, smtp):
    smtp.delay = 0.03  # each email takes a moment, so the kill lands among sends in flight
    deliveries = seed(emails=300, sms=0)
    # Short leases, so that recovery happens within the test.
    group = processes(NOTIFICATIONS_CLAIM_LEASE_SECONDS=4, NOTIFICATIONS_SEND_LEASE_SECONDS=4)
    doomed = group.worker("worker-doomed")
    group.sweeper("sweeper")
    wait_until(lambda: len(smtp.messages) >= 60, timeout=60, message="the first worker never got going")

    group.kill(doomed)
    in_flight = Delivery.objects.filter(status=DeliveryStatus.SENDING).count()
    group.worker("worker-restarted")

    try:
        wait_until(lambda: open_count() == 0, timeout=90, message="deliveries still open after the restart")
    except AssertionError:
        pytest.fail(f"{open_count()} deliveries still open\n{group.logs()}")

    statuses = dict(Delivery.objects.values_list("pk", "status"))
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED)
    received = emails_by_delivery(smtp)
    # At most once for people: no email arrived twice, whatever happened.
    assert set(received.values()) == {1}
    # Every delivery not cut mid-send was sent; the ones cut mid-send are FAILED for an operator.
    assert {str(pk) for pk, status in statuses.items() if status == "SENT"} <= set(received)
    assert set(statuses.values()) <= {"SENT", "FAILED"}
    assert {d.last_error for d in failed} <= {WORKER_LOST}
    assert failed.count() <= max(in_flight, 4)  # only what the killed worker held mid-send (4 threads)
    assert len(received) >= len(deliveries) - failed.count()


def test_reschedule_moves_the_reminder_delete_sends_cancel_and_off_stops_them(processes, smtp, monkeypatch):
    from appointments.services import appointment_delete, appointment_reschedule, appointment_schedule
    from notifications.pipeline import outbox
    from participants.services import CustomerDetails

    # The after-commit hand-off is "lost" here on purpose: the sweeper alone must find every row.
    monkeypatch.setattr(outbox, "deliveries_enqueue", lambda ids: None)
    application = ApplicationFactory(notifications_active=True)
    now = timezone.now()
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="acme.example", verified_at=now
    )
    period = timedelta(hours=1)
    for type, text in [("REMINDER", "Soon: {{title}} at {{HH:mm:ss}}"), ("CANCEL", "Cancelled: {{title}}")]:
        NotificationTemplate.objects.create(
            application=application, type=type, channel="EMAIL", locale="en_US", subject=text,
            text_body=text, period=period if type == "REMINDER" else None,
        )  # fmt: skip

    def book(title: str, email: str, reminder_in: float):
        return appointment_schedule(
            application=application,
            organizer_id="agent-1",
            start=now + period + timedelta(seconds=reminder_in),
            duration=timedelta(minutes=30),
            timezone="UTC",
            title=title,
            customer=CustomerDetails(first_name="Bo", email=email),
        )

    moved = book("Moved", "moved@example.com", reminder_in=2)
    deleted = book("Deleted", "deleted@example.com", reminder_in=3)
    silenced = book("Silenced", "silenced@example.com", reminder_in=3)
    new_start = moved.start + timedelta(seconds=4)
    appointment_reschedule(appointment=moved, start=new_start, duration=moved.duration, timezone="UTC")
    appointment_delete(appointment=deleted)
    Appointment.objects.filter(pk=silenced.pk).update(notifications_active=False)

    group = processes()
    group.worker("worker")
    group.sweeper("sweeper")
    try:
        wait_until(lambda: open_count() == 0, timeout=60, message="deliveries still open")
    except AssertionError:
        pytest.fail(f"{open_count()} deliveries still open\n{group.logs()}")

    by_recipient = Counter((mail.rcpt_tos[0], mail.message["Subject"]) for mail in smtp.messages)
    reminder_subject = f"Soon: Moved at {new_start:%H:%M:%S}"
    assert by_recipient == {
        ("moved@example.com", reminder_subject): 1,
        ("deleted@example.com", "Cancelled: Deleted"): 1,
    }
    reminder = Delivery.objects.get(appointment_id=moved.pk, status="SENT")
    assert reminder.sent_at >= new_start - period
    silenced_row = Delivery.objects.get(appointment_id=silenced.pk)
    assert silenced_row.status == "CANCELLED" and "switched off" in silenced_row.cancel_reason
