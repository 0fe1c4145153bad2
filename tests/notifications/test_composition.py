"""The building blocks the delivery pipeline sends with: template choice, composition, direct sends."""

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ServiceUnavailable
from notifications.backends.base import get_backend
from notifications.errors import DeliveryFailed
from notifications.pipeline.composition import email_compose, sms_compose, webhook_compose
from notifications.selectors import templates_for_appointment
from notifications.senders.services import direct_message_send
from notifications.services import template_create, webhook_endpoint_create
from tests.factories import AppointmentFactory, CustomerFactory

START = datetime(2030, 1, 31, 19, 0, tzinfo=UTC)  # 20:00 in Berlin


@pytest.fixture
def appointment(application):
    return AppointmentFactory(application=application, start=START, title="Kitchen survey", locale="el_GR")


@pytest.fixture
def customer(appointment):
    return CustomerFactory(appointment=appointment, email="bobby@example.com", phone="+306931221100")


def _email_template(application, **overrides):
    fields = {
        "type": "CREATE",
        "channel": "EMAIL",
        "locale": "en_US",
        "subject": "Booked: {{title}}",
        "text_body": "Dear {{firstName}}, {{EEEE d MMMM}} at {{time24}} {{zone}}.",
        "html_body": "<p>Dear {{firstName}}</p>",
    }
    return template_create(application=application, **{**fields, **overrides})


# --- choosing templates --------------------------------------------------------------------


def test_each_reminder_period_gets_its_best_locale(application, other_application, appointment):
    day_el = _email_template(application, type="REMINDER", period=timedelta(days=1), locale="el_GR")
    _email_template(application, type="REMINDER", period=timedelta(days=1), locale="en_US")
    hour_en = _email_template(application, type="REMINDER", period=timedelta(hours=1), locale="en_US")
    _email_template(application, type="REMINDER", period=timedelta(minutes=5), locale="el_GR", active=False)
    _email_template(other_application, type="REMINDER", period=timedelta(minutes=10), locale="el_GR")
    template_create(
        application=application,
        type="REMINDER",
        channel="SMS",
        locale="el_GR",
        text_body="x",
        period=timedelta(days=2),
    )

    chosen = templates_for_appointment(appointment=appointment, type="REMINDER", channel="EMAIL")

    assert chosen == [hour_en, day_el]


def test_the_applications_default_locale_comes_before_en_us(application, appointment):
    application.default_locale = "de_DE"
    application.save(update_fields=["default_locale"])
    appointment.locale = "fr_FR"
    german = _email_template(application, locale="de_DE")
    _email_template(application, locale="en_US")

    assert templates_for_appointment(appointment=appointment, type="CREATE", channel="EMAIL") == [german]


def test_choosing_templates_is_one_query(application, appointment, django_assert_max_num_queries):
    for period in (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15)):
        for locale in ("en_US", "el_GR", "de_DE"):
            _email_template(application, type="REMINDER", period=period, locale=locale)

    with django_assert_max_num_queries(1):
        chosen = templates_for_appointment(appointment=appointment, type="REMINDER", channel="EMAIL")

    assert [(t.period, t.locale) for t in chosen] == [
        (timedelta(minutes=15), "el_GR"),
        (timedelta(hours=2), "el_GR"),
        (timedelta(days=1), "el_GR"),
    ]


def test_no_template_no_message(application, appointment):
    assert templates_for_appointment(appointment=appointment, type="CANCEL", channel="EMAIL") == []


# --- composing and sending -----------------------------------------------------------------


def test_an_email_is_composed_from_the_template_and_carries_the_calendar_invitation(
    application, appointment, customer, email_sender, smtp_server
):
    template = _email_template(application)

    message = email_compose(template=template, appointment=appointment, recipient=customer)
    get_backend("EMAIL").send(message)

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["bobby@example.com"]
    assert mail.message["From"] == "Acme Appointments <no-reply@appointments.acme.example>"
    assert mail.message["Subject"] == "Booked: Kitchen survey"
    assert mail.part("text/plain").strip() == "Dear Bobby, Thursday 31 January at 20:00 CET."
    [(name, content, mimetype)] = mail.attachments()
    assert name == "invite.ics" and mimetype.startswith("text/calendar")
    assert f"UID:{appointment.pk}" in content.decode() and "METHOD:REQUEST" in content.decode()


def test_composing_needs_a_verified_sender(application, appointment, customer):
    with pytest.raises(ServiceUnavailable):
        email_compose(template=_email_template(application), appointment=appointment, recipient=customer)


def test_an_sms_is_composed_in_the_templates_locale(
    application, appointment, customer, sms_sender, twilio_fake
):
    template = template_create(
        application=application, type="UPDATE", channel="SMS", locale="el_GR", text_body="{{EEEE}} {{time24}}"
    )

    get_backend("SMS").send(sms_compose(template=template, appointment=appointment, recipient=customer))

    assert twilio_fake.requests[0].form == {
        "To": "+306931221100",
        "From": "+302102234988",
        "Body": "Πέμπτη 20:00",
    }


def test_webhooks_go_to_the_active_subscribed_endpoints_of_the_application(
    application, other_application, appointment, webhook_receiver
):
    secret = "endpoint-secret-0123"
    target = webhook_endpoint_create(
        application=application, url=webhook_receiver.url(), events=["CREATE", "CANCEL"], secret=secret
    )
    webhook_endpoint_create(
        application=application,
        url=webhook_receiver.url("/off"),
        events=["CREATE"],
        secret=secret,
        active=False,
    )
    webhook_endpoint_create(
        application=application, url=webhook_receiver.url("/upd"), events=["UPDATE"], secret=secret
    )
    webhook_endpoint_create(
        application=other_application, url=webhook_receiver.url("/x"), events=["CREATE"], secret=secret
    )
    appointment.notification_headers = {"x-channel": "widget"}
    delivery_id = uuid.uuid4()

    message = webhook_compose(
        endpoint=target,
        event="CREATE",
        appointment=appointment,
        appointment_payload={"id": str(appointment.pk), "title": appointment.title},
        delivery_id=delivery_id,
    )
    get_backend("WEBHOOK").send(message)

    [request] = webhook_receiver.requests
    assert request.json() == {
        "event": "CREATE",
        "appointment": {"id": str(appointment.pk), "title": "Kitchen survey"},
    }
    assert request.headers["x-channel"] == "widget"
    assert request.headers["x-delivery-id"] == str(delivery_id)
    signed = request.headers["x-signature-timestamp"].encode() + b"." + request.body
    assert request.headers["x-signature"] == hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


# --- direct sends (test endpoints, customer OTP codes) ---------------------------------------


def test_direct_email_uses_the_verified_sender(application, email_sender, smtp_server):
    result = direct_message_send(
        application=application, channel="EMAIL", to="bobby@example.com", subject="Code", text_body="123456"
    )

    [mail] = smtp_server.messages
    assert mail.message["From"] == "Acme Appointments <no-reply@appointments.acme.example>"
    assert mail.part("text/plain").strip() == "123456"
    assert result.provider_id == mail.message["Message-ID"].strip()


def test_direct_sms_uses_the_verified_number(application, sms_sender, twilio_fake):
    result = direct_message_send(
        application=application, channel="SMS", to="+306931221100", text_body="123456"
    )

    assert twilio_fake.requests[0].form["From"] == "+302102234988"
    assert result.provider_id.startswith("SM")


@pytest.mark.parametrize("channel", ["EMAIL", "SMS"])
def test_direct_sends_need_a_verified_channel(application, channel):
    with pytest.raises(ServiceUnavailable) as raised:
        direct_message_send(application=application, channel=channel, to="x", text_body="123456")

    assert raised.value.status == 404


def test_a_refused_direct_send_says_why(application, sms_sender, twilio_fake):
    twilio_fake.reply_with(400, code=21610, message="unsubscribed")

    with pytest.raises(DeliveryFailed) as raised:
        direct_message_send(application=application, channel="SMS", to="+306931221100", text_body="123456")

    assert raised.value.status == 502
    assert (raised.value.error.permanent, raised.value.error.code) == (True, 21610)


def test_the_default_hook_attaches_the_calendar_invite(application, appointment, customer, email_sender):
    message = email_compose(
        template=_email_template(application), appointment=appointment, recipient=customer
    )

    (filename, content, mimetype), *_ = message.attachments
    assert filename == "invite.ics"
    assert mimetype.startswith("text/calendar")
    assert b"METHOD:REQUEST" in content and f"UID:{appointment.pk}".encode() in content
