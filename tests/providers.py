"""Loopback providers and verified senders, shared by every test package (see tests/conftest.py).

Fake only what lies outside the machine: a real SMTP server, and fakes of
Twilio's API and of webhook receivers on loopback.
"""

import pytest
from django.utils import timezone

from bench.fakes import SmtpSink, TwilioFake, WebhookReceiver
from notifications.models import Channel, ChannelSender, DomainProof

TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-test-auth-token"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend is pointed at it."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture
def twilio_fake(settings):
    """A fake of Twilio's Messages API on loopback; the real SDK is pointed at it."""
    fake = TwilioFake().start()
    settings.TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_API_BASE_URL = fake.base_url
    settings.NOTIFICATIONS_SMS_TIMEOUT = 5
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "SMS": "notifications.backends.sms.TwilioSmsBackend",
    }
    yield fake
    fake.stop()


@pytest.fixture
def webhook_receiver(settings):
    """An HTTP receiver on loopback; private targets are allowed so webhooks may reach it."""
    receiver = WebhookReceiver().start()
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    yield receiver
    receiver.stop()


@pytest.fixture
def email_sender(application):
    """A sender whose domain is proven (its code went to an address of the domain), so mail is From it."""
    return ChannelSender.objects.create(
        application=application,
        channel=Channel.EMAIL,
        domain="appointments.acme.example",
        from_name="Acme Appointments",
        verified_at=timezone.now(),
        verified_with="it@appointments.acme.example",
        domain_proven_by=DomainProof.ADDRESS,
    )


@pytest.fixture
def sms_sender(application):
    return ChannelSender.objects.create(
        application=application, channel=Channel.SMS, from_number="+302102234988", verified_at=timezone.now()
    )
