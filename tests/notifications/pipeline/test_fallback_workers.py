"""SMS -> email fallback end to end: real worker and beat processes, Twilio refusing the number.

The SMS is refused by the loopback Twilio fake, the worker records it FAILED and
queues the fallback email in the same transaction, and the loopback SMTP server
receives that email once.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.services import appointment_schedule
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import ChannelSender, Delivery, DeliveryStatus, NotificationTemplate
from notifications.pipeline import outbox
from participants.services import CustomerDetails
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.processes import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = "+306931000777"
EMAIL = "unreachable.by.sms@example.com"


def booked_by_sms_only():
    """A booking made before the application verified its email sender: only the SMS was queued."""
    application = ApplicationFactory(notifications_active=True, sms_fallback_to_email=True)
    now = timezone.now()
    ChannelSender.objects.create(
        application=application, channel="SMS", from_number="+302102234988", verified_at=now
    )
    for channel in ("EMAIL", "SMS"):
        NotificationTemplate.objects.create(
            application=application,
            type="CREATE",
            channel=channel,
            locale="en_US",
            subject="Booked: {{title}}" if channel == "EMAIL" else "",
            text_body="Hi {{firstName}}, {{title}} at {{HH:mm}}",
        )
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=now + timedelta(days=1),
        duration=timedelta(minutes=30),
        timezone="Europe/Berlin",
        title="Mortgage advice",
        customer=CustomerDetails(first_name="Bobby", email=EMAIL, phone=PHONE),
    )
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="acme.example", verified_at=now
    )
    return appointment


def test_a_refused_sms_reaches_the_customer_once_by_email(processes, smtp, twilio, monkeypatch):
    # The booking's after-commit hand-off goes nowhere: beat's tick must find the SMS.
    monkeypatch.setattr(outbox, "deliveries_enqueue", lambda ids: None)
    twilio.refuse_number(PHONE, 400, code=21211, message="The 'To' number is not a valid phone number.")
    appointment = booked_by_sms_only()
    sms = Delivery.objects.get(appointment_id=appointment.pk, channel="SMS")

    group = processes()
    group.worker("worker", ticks=True)
    group.beat()
    try:
        wait_until(
            lambda: Delivery.objects.filter(fallback_of=sms, status=DeliveryStatus.SENT).exists(),
            timeout=60,
            message="the fallback email was not sent",
        )
    except AssertionError:
        pytest.fail(
            f"{list(Delivery.objects.values_list('channel', 'status', 'last_error'))}\n{group.logs()}"
        )
    time.sleep(3)  # several more ticks: nothing more may arrive

    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.FAILED and "21211" in sms.last_error
    [email] = Delivery.objects.filter(fallback_of=sms)
    assert email.channel == "EMAIL" and email.recipient == EMAIL and email.attempts == 1
    [mail] = smtp.messages
    assert mail.rcpt_tos == [EMAIL] and mail.message[DELIVERY_HEADER] == str(email.pk)
    assert mail.message["Subject"] == "Booked: Mortgage advice"
    assert [request.form["To"] for request in twilio.requests] == [PHONE]  # refused for good, once
    assert Delivery.objects.count() == 2
