"""Quiet hours with a real Celery worker and Celery beat: a held reminder goes once, after them.

The window is a few seconds around the moment of booking, in UTC (the appointment's zone),
stored with seconds so the test need not wait for a whole minute to turn.
"""

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment
from notifications.models import (
    ChannelSender,
    Delivery,
    DeliveryStatus,
    NotificationTemplate,
    PipelineHeartbeat,
)
from notifications.services import webhook_endpoint_create
from participants.services import CustomerDetails
from tenants.application_settings import application_settings_update
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.processes import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PERIOD = timedelta(hours=1)


def clock(at: datetime) -> time:
    """The wall-clock time of `at` in UTC, the appointments' zone here."""
    return at.astimezone(UTC).time()


def test_a_held_reminder_is_not_sent_inside_quiet_hours_and_is_sent_once_after_them(
    processes,
    smtp,
    webhook_receiver,
    monkeypatch,
):
    from appointments.services import appointment_schedule
    from notifications.pipeline import outbox

    # No after-commit hand-off from this process: beat's ticks alone find every row.
    monkeypatch.setattr(outbox, "deliveries_enqueue", lambda ids: None)
    application = ApplicationFactory(notifications_active=True)
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="acme.example", verified_at=timezone.now()
    )
    for type, subject in [("CREATE", "Booked: {{title}}"), ("REMINDER", "Soon: {{title}}")]:
        NotificationTemplate.objects.create(
            application=application, type=type, channel="EMAIL", locale="en_US", subject=subject,
            text_body=subject, period=PERIOD if type == "REMINDER" else None,
        )  # fmt: skip
    webhook_endpoint_create(
        application=application, url=webhook_receiver.url(), events=["REMINDER"], secret="s" * 32
    )

    def book(title: str, email: str, start: datetime):
        return appointment_schedule(
            application=application,
            organizer_id="agent-1",
            start=start,
            duration=timedelta(minutes=30),
            timezone="UTC",
            title=title,
            customer=CustomerDetails(first_name="Bo", email=email),
        )

    group = processes(NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE="1")
    group.worker("worker", ticks=True)
    group.beat()
    # Warm up: once a CREATE has gone through, beat ticks and the worker sends.
    warm_up = book("Warm-up", "warm-up@example.com", timezone.now() + timedelta(days=2))
    wait_until(
        lambda: Delivery.objects.filter(appointment_id=warm_up.pk, type="CREATE", status="SENT").exists(),
        timeout=90,
        message=f"the warm-up CREATE was never sent\n{group.logs()}",
    )
    smtp.messages.clear()

    now = timezone.now().replace(microsecond=0)
    due = now + timedelta(seconds=3)  # the reminder's own time: inside the window
    window_end = now + timedelta(seconds=20)  # room for a loaded machine to show the wait
    application_settings_update(
        application=application,
        values={"quiet_hours_start": clock(now - timedelta(seconds=5)), "quiet_hours_end": clock(window_end)},
    )
    application.refresh_from_db()
    held = book("Held", "held@example.com", due + PERIOD)
    with transaction.atomic():  # switched off before beat's tick can see its rows
        silenced = book("Silenced", "silenced@example.com", due + PERIOD)
        Appointment.objects.filter(pk=silenced.pk).update(notifications_active=False)

    reminder = Delivery.objects.get(appointment_id=held.pk, type="REMINDER", channel="EMAIL")
    assert (reminder.original_due_at, reminder.due_at) == (due, window_end)
    assert reminder.due_note.startswith("held for quiet hours") and reminder.due_note.endswith(" UTC")

    def sent(**filters) -> bool:
        return Delivery.objects.filter(appointment_id=held.pk, status=DeliveryStatus.SENT, **filters).exists()

    # The CREATE and the webhook are not held: they go while the email reminder waits.
    wait_until(lambda: sent(type="REMINDER", channel="WEBHOOK") and sent(type="CREATE"), timeout=30,
               message=f"the webhook and CREATE were not sent\n{group.logs()}")  # fmt: skip
    assert timezone.now() < window_end, "the machine was too slow to observe the window"
    assert not sent(type="REMINDER", channel="EMAIL")
    assert [mail.message["Subject"] for mail in smtp.messages] == ["Booked: Held"]

    wait_until(lambda: sent(type="REMINDER", channel="EMAIL"), timeout=60,
               message=f"the held reminder was never sent\n{group.logs()}")  # fmt: skip
    reminder.refresh_from_db()
    assert reminder.sent_at >= window_end
    hook = Delivery.objects.get(appointment_id=held.pk, type="REMINDER", channel="WEBHOOK")
    assert hook.sent_at < window_end and hook.original_due_at is None

    # A few more ticks: nothing goes twice, and nothing at all for the appointment switched off.
    ticked = timezone.now()
    wait_until(lambda: PipelineHeartbeat.objects.filter(ticked_at__gt=ticked + timedelta(seconds=2)).exists(),
               timeout=30, message="beat stopped ticking")  # fmt: skip
    received = Counter((mail.rcpt_tos[0], mail.message["Subject"]) for mail in smtp.messages)
    assert received == {("held@example.com", "Booked: Held"): 1, ("held@example.com", "Soon: Held"): 1}
    silenced_rows = Delivery.objects.filter(appointment_id=silenced.pk)
    assert {row.status for row in silenced_rows} == {DeliveryStatus.CANCELLED}
    assert len(webhook_receiver.requests) == 1
