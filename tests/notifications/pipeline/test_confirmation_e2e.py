"""A confirmation by SMS reply, end to end: real worker and beat processes, the loopback Twilio fake.

The reminder goes out with its reply prompt, the customer's "YES" comes back signed the
way Twilio signs it, the answer is recorded, and the participant.confirmed webhook
reaches the application's receiver once.
"""

import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from appointments.services import appointment_schedule
from bench.fakes import SmtpSink, TwilioFake
from notifications.models import ChannelSender, Delivery, DeliveryStatus, NotificationTemplate
from notifications.services import webhook_endpoint_create
from notifications.templating.replies import reply_prompt
from participants.models import Confirmation, Participant, ParticipantType
from participants.services import CustomerDetails
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.processes import Processes, database_url_shared_with_children, wait_until
from tests.providers import TWILIO_TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

APP_NUMBER = "+302102234988"
CUSTOMER_PHONE = "+306931221100"
INBOUND = "/api/notifications/sms/inbound"


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    url, restore = database_url_shared_with_children(tmp_path)
    yield url
    restore()


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def twilio():
    fake = TwilioFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def group(tmp_path, shared_database, smtp, twilio):
    processes = Processes(
        tmp_path,
        database_url=shared_database,
        smtp=smtp,
        twilio_url=twilio.base_url,
        NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE="1",
    )
    yield processes
    processes.stop_all()


def post_signed(api_client, settings, params: dict[str, str]):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"{settings.PUBLIC_BASE_URL}{INBOUND}", params
    )
    return api_client.generic(
        "POST",
        INBOUND,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def test_a_yes_to_the_reminder_confirms_and_reaches_the_webhook_once(
    group, twilio, webhook_receiver, api_client, settings, monkeypatch
):
    from notifications.pipeline import outbox

    # This process hands nothing to the broker: beat's tick alone finds the due rows.
    monkeypatch.setattr(outbox, "deliveries_enqueue", lambda ids: None)
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    application = ApplicationFactory(notifications_active=True, confirmation_requests=True)
    ChannelSender.objects.create(
        application=application, channel="SMS", from_number=APP_NUMBER, verified_at=timezone.now()
    )
    period = timedelta(hours=1)
    NotificationTemplate.objects.create(
        application=application, type="REMINDER", channel="SMS", locale="en_US", period=period,
        text_body="{{title}} at {{HH:mm}}. {{replyPrompt}}",
    )  # fmt: skip
    webhook_endpoint_create(
        application=application, url=webhook_receiver.url(), events=["participant.confirmed"], secret="s" * 32
    )
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=timezone.now() + period + timedelta(seconds=2),
        duration=timedelta(minutes=30),
        timezone="UTC",
        title="Mortgage advice",
        customer=CustomerDetails(first_name="Bo", phone=CUSTOMER_PHONE),
    )
    group.worker("worker", ticks=True)
    group.beat()

    try:
        wait_until(lambda: len(twilio.requests) >= 1, timeout=60, message="no reminder SMS")
    except AssertionError:
        pytest.fail(group.logs())
    [reminder] = twilio.requests
    assert reminder.form["To"] == CUSTOMER_PHONE and reminder.form["From"] == APP_NUMBER
    assert reminder.form["Body"].endswith(reply_prompt("en_US"))

    response = post_signed(
        api_client,
        settings,
        {"MessageSid": "SM" + "c" * 32, "From": CUSTOMER_PHONE, "To": APP_NUMBER, "Body": "YES"},
    )
    assert response.status_code == 200

    customer = Participant.objects.get(appointment=appointment, type=ParticipantType.CUSTOMER)
    assert customer.confirmation == Confirmation.CONFIRMED and customer.confirmation_channel == "SMS"
    try:
        wait_until(lambda: len(webhook_receiver.requests) >= 1, timeout=60, message="no webhook")
    except AssertionError:
        pytest.fail(group.logs())
    time.sleep(2)  # a few more ticks: nothing is sent twice

    [hook] = webhook_receiver.requests
    assert hook.headers["x-webhook-event"] == "participant.confirmed"
    body = hook.json()
    assert body["appointment"]["id"] == str(appointment.pk)
    assert body["participant"]["id"] == customer.participant_id
    assert body["participant"]["confirmation"] == "CONFIRMED"
    row = Delivery.objects.get(type="participant.confirmed")
    assert row.status == DeliveryStatus.SENT and hook.headers["x-delivery-id"] == str(row.pk)
    assert len(twilio.requests) == 1  # the YES was understood: no help text
