"""The Twilio backend: the real SDK against a loopback fake of the Messages API."""

import logging
import socket

import pytest

from notifications.backends.base import DeliveryError, SmsMessage
from notifications.backends.sms import LogSmsBackend, TwilioSmsBackend
from tests.providers import TWILIO_SID, TWILIO_TOKEN

MESSAGE = SmsMessage(to="+306931221100", from_number="+302102234988", body="Your call starts at 11:00 CET")


def test_sends_through_the_sdk_to_the_configured_origin(twilio_fake):
    result = TwilioSmsBackend().send(MESSAGE)

    [request] = twilio_fake.requests
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request.auth == (TWILIO_SID, TWILIO_TOKEN)
    assert request.form == {
        "To": "+306931221100",
        "From": "+302102234988",
        "Body": "Your call starts at 11:00 CET",
    }
    assert result.provider_id.startswith("SM")
    assert result.provider_id == f"SM{result.provider_id[2:]}" and len(result.provider_id) == 34


def test_the_base_url_may_carry_a_path_prefix(twilio_fake, settings):
    settings.TWILIO_API_BASE_URL = f"{twilio_fake.base_url}/twilio-proxy/"

    TwilioSmsBackend().send(MESSAGE)

    assert twilio_fake.requests[0].path == f"/twilio-proxy/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


def test_numbers_are_normalised_to_e164(twilio_fake):
    TwilioSmsBackend().send(SmsMessage(to="+30 693 122 1100", from_number="+30 210 223 4988", body="hi"))

    assert twilio_fake.requests[0].form["To"] == "+306931221100"
    assert twilio_fake.requests[0].form["From"] == "+302102234988"


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (429, 20429, False),
        (500, None, False),
        (503, None, False),
        (400, 21211, True),  # invalid 'To' number
        (400, 21610, True),  # the recipient unsubscribed (replied STOP)
        (401, 20003, True),  # bad credentials: retrying will not fix them
    ],
)
def test_twilio_errors_are_classified(twilio_fake, status, code, permanent):
    twilio_fake.reply_with(status, code=code, message="refused by the fake")

    with pytest.raises(DeliveryError) as raised:
        TwilioSmsBackend().send(MESSAGE)

    assert raised.value.permanent is permanent
    assert raised.value.status == status
    assert raised.value.code == (code if code is not None else status)
    assert "refused by the fake" in raised.value.message


def test_the_opt_out_code_is_exposed_for_the_pipeline(twilio_fake):
    twilio_fake.reply_with(400, code=21610, message="Attempt to send to unsubscribed recipient")

    with pytest.raises(DeliveryError) as raised:
        TwilioSmsBackend().send(MESSAGE)

    assert (raised.value.permanent, raised.value.code) == (True, 21610)


def test_network_errors_are_retryable(twilio_fake, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{probe.getsockname()[1]}"

    with pytest.raises(DeliveryError) as raised:
        TwilioSmsBackend().send(MESSAGE)

    assert raised.value.retryable


def test_an_invalid_number_fails_permanently_without_calling_twilio(twilio_fake):
    with pytest.raises(DeliveryError) as raised:
        TwilioSmsBackend().send(SmsMessage(to="2102234988", from_number="+302102234988", body="hi"))

    assert raised.value.permanent
    assert raised.value.code == 21211
    assert twilio_fake.requests == []


def test_the_development_backend_writes_the_message_to_the_log(caplog, settings):
    settings.DEBUG = True
    with caplog.at_level(logging.INFO, logger="notifications.backends.sms"):
        result = LogSmsBackend().send(MESSAGE)

    assert "+306931221100" in caplog.text
    assert "Your call starts at 11:00 CET" in caplog.text
    assert result.provider_id.startswith("log-")


def test_outside_development_the_log_backend_keeps_the_text_out_of_the_log(caplog, settings):
    settings.DEBUG = False
    with caplog.at_level(logging.INFO, logger="notifications.backends.sms"):
        LogSmsBackend().send(MESSAGE)

    assert "Your call starts" not in caplog.text  # it could be a one-time code
    assert f"({len(MESSAGE.body)} characters, not logged)" in caplog.text


def test_without_twilio_credentials_the_default_backend_is_the_log(settings):
    from notifications.backends.base import get_backend

    # The settings module picks the backend from the environment at start-up;
    # the test environment has no Twilio account.
    assert not settings.TWILIO_ACCOUNT_SID
    assert isinstance(get_backend("SMS"), LogSmsBackend)
