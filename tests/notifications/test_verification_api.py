"""emails/verify|confirm and sms/verify|confirm: codes go out through the real providers' fakes."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Channel, ChannelSender, SenderVerification, VerificationStatus

EMAIL_VERIFY = "/api/notifications/emails/verify"
EMAIL_CONFIRM = "/api/notifications/emails/confirm"
SMS_VERIFY = "/api/notifications/sms/verify"
SMS_CONFIRM = "/api/notifications/sms/confirm"


def _code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def _email_verify(client, application, **overrides):
    body = {
        "applicationId": str(application.pk),
        "domain": "appointments.acme.example",
        "fromName": '"Acme No-Reply"',  # quoted, as the document writes it
        "toEmail": "it@acme.example",
    }
    return client.post(EMAIL_VERIFY, {**body, **overrides}, format="json")


def _sms_verify(client, application, **overrides):
    body = {"applicationId": str(application.pk), "fromNumber": "+302102234988", "toNumber": "+306931221100"}
    return client.post(SMS_VERIFY, {**body, **overrides}, format="json")


def _confirm(client, path, application, code):
    return client.post(path, {"applicationId": str(application.pk), "code": code}, format="json")


# --- email ----------------------------------------------------------------------------


def test_email_verification_sends_a_code_that_verifies_the_sender(admin_client, application, smtp_server):
    response = _email_verify(admin_client, application)

    assert response.status_code == 200
    assert response.json() == {"applicationId": str(application.pk), "validFor": "PT10M"}
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@acme.example"]
    # The domain is not proven before the code is confirmed: the code comes from the service's address.
    assert mail.message["From"] == "Acme No-Reply <no-reply@localhost>"
    code = _code_in(mail.part("text/plain"))
    assert not ChannelSender.objects.filter(application=application).exists()

    assert _confirm(admin_client, EMAIL_CONFIRM, application, code).status_code == 204

    sender = ChannelSender.objects.get(application=application, channel=Channel.EMAIL)
    assert (sender.domain, sender.from_name, sender.verified_with) == (
        "appointments.acme.example",
        "Acme No-Reply",
        "it@acme.example",
    )
    assert sender.email_address == "no-reply@appointments.acme.example"


def test_codes_are_stored_hashed(admin_client, application, smtp_server):
    _email_verify(admin_client, application)
    code = _code_in(smtp_server.messages[0].part("text/plain"))

    verification = SenderVerification.objects.get(application=application)
    stored = [str(value) for value in verification.__dict__.values()]
    assert not any(code in value for value in stored)
    assert verification.code_matches(code)


def test_a_code_is_single_use(admin_client, application, smtp_server):
    _email_verify(admin_client, application)
    code = _code_in(smtp_server.messages[0].part("text/plain"))
    assert _confirm(admin_client, EMAIL_CONFIRM, application, code).status_code == 204

    response = _confirm(admin_client, EMAIL_CONFIRM, application, code)

    assert response.status_code == 404
    assert response.json()["error"] == "StatusNotFound"


def test_a_wrong_code_is_400_and_counts_as_an_attempt(admin_client, application, smtp_server):
    _email_verify(admin_client, application)
    code = _code_in(smtp_server.messages[0].part("text/plain"))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = _confirm(admin_client, EMAIL_CONFIRM, application, wrong)

    assert response.status_code == 400
    assert response.json()["fields"] == {"code": ["the code is incorrect (4 attempts left)"]}
    assert SenderVerification.objects.get(application=application).attempts == 1
    assert not ChannelSender.objects.exists()


def test_attempts_are_limited(admin_client, application, smtp_server, settings):
    settings.NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS = 3
    _email_verify(admin_client, application)
    code = _code_in(smtp_server.messages[0].part("text/plain"))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    statuses = [_confirm(admin_client, EMAIL_CONFIRM, application, wrong).status_code for _ in range(3)]

    assert statuses == [400, 400, 400]
    assert SenderVerification.objects.get(application=application).status == VerificationStatus.EXHAUSTED
    # Even the right code is refused once the attempts are used up.
    assert _confirm(admin_client, EMAIL_CONFIRM, application, code).status_code == 404
    assert not ChannelSender.objects.exists()


def test_an_expired_code_is_404(admin_client, application, smtp_server):
    _email_verify(admin_client, application)
    code = _code_in(smtp_server.messages[0].part("text/plain"))

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = _confirm(admin_client, EMAIL_CONFIRM, application, code)

    assert response.status_code == 404
    assert not ChannelSender.objects.exists()


def test_confirming_without_a_pending_code_is_404(admin_client, application):
    assert _confirm(admin_client, EMAIL_CONFIRM, application, "063780").status_code == 404


def test_a_new_code_replaces_the_previous_one(admin_client, application, smtp_server):
    _email_verify(admin_client, application)
    _email_verify(admin_client, application, domain="mail.acme.example")
    first, second = (_code_in(mail.part("text/plain")) for mail in smtp_server.messages)
    if first != second:  # one time in a million the two random codes are the same
        assert _confirm(admin_client, EMAIL_CONFIRM, application, first).status_code == 400
    assert _confirm(admin_client, EMAIL_CONFIRM, application, second).status_code == 204
    assert ChannelSender.objects.get(application=application).domain == "mail.acme.example"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"toEmail": "not-an-address"}, "toEmail"),
        ({"domain": "localhost"}, "domain"),
        ({"domain": "bad domain.example"}, "domain"),
        ({"applicationId": "nope"}, "applicationId"),
    ],
)
def test_bad_verification_input_is_400_naming_the_field(
    admin_client, application, smtp_server, overrides, field
):
    response = _email_verify(admin_client, application, **overrides)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert smtp_server.messages == []


def test_a_code_refused_by_the_mail_server_is_502_and_leaves_nothing_pending(
    admin_client, application, smtp_server
):
    smtp_server.rcpt_reply = "550 5.1.1 No such user"

    response = _email_verify(admin_client, application)

    assert response.status_code == 502
    assert "550" in response.json()["message"]
    assert not SenderVerification.objects.exists()


def test_a_switched_off_channel_is_404(admin_client, application, settings):
    settings.NOTIFICATION_BACKENDS = {**settings.NOTIFICATION_BACKENDS, "EMAIL": ""}

    assert _email_verify(admin_client, application).status_code == 404


def test_confirm_accepts_the_codes_of_its_own_channel_only(admin_client, application, smtp_server):
    _email_verify(admin_client, application)
    code = _code_in(smtp_server.messages[0].part("text/plain"))

    assert _confirm(admin_client, SMS_CONFIRM, application, code).status_code == 404
    assert _confirm(admin_client, EMAIL_CONFIRM, application, code).status_code == 204


def test_confirm_refuses_a_code_that_is_not_numeric(admin_client, application):
    response = _confirm(admin_client, EMAIL_CONFIRM, application, "abc123")

    assert response.status_code == 400
    assert "code" in response.json()["fields"]


# --- SMS --------------------------------------------------------------------------------


def test_sms_verification_sends_from_the_number_being_verified(admin_client, application, twilio_fake):
    response = _sms_verify(admin_client, application, fromNumber="+30 210 223 4988")

    assert response.status_code == 200
    assert response.json() == {"applicationId": str(application.pk), "validFor": "PT10M"}
    [request] = twilio_fake.requests
    assert (request.form["From"], request.form["To"]) == ("+302102234988", "+306931221100")
    code = _code_in(request.form["Body"])

    assert _confirm(admin_client, SMS_CONFIRM, application, code).status_code == 204

    sender = ChannelSender.objects.get(application=application, channel=Channel.SMS)
    assert (sender.from_number, sender.verified_with) == ("+302102234988", "+306931221100")


@pytest.mark.parametrize("field", ["toNumber", "fromNumber"])
def test_sms_numbers_must_be_e164(admin_client, application, twilio_fake, field):
    response = _sms_verify(admin_client, application, **{field: "+3069312211xx"})

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert twilio_fake.requests == []


def test_an_sms_twilio_refuses_is_502(admin_client, application, twilio_fake):
    twilio_fake.reply_with(400, code=21211, message="The 'To' number is not a valid phone number.")

    response = _sms_verify(admin_client, application)

    assert response.status_code == 502
    assert "21211" in response.json()["message"]


# --- tenancy and roles -----------------------------------------------------------------


@pytest.mark.parametrize("path", [EMAIL_VERIFY, SMS_VERIFY])
def test_another_applications_id_is_404_and_sends_nothing(
    admin_client, other_application, smtp_server, twilio_fake, path
):
    body = {
        "applicationId": str(other_application.pk),
        "domain": "appointments.acme.example",
        "toEmail": "it@acme.example",
        "fromNumber": "+302102234988",
        "toNumber": "+306931221100",
    }

    response = admin_client.post(path, body, format="json")

    assert response.status_code == 404
    assert smtp_server.messages == [] and twilio_fake.requests == []
    assert not SenderVerification.objects.exists()


@pytest.mark.parametrize("path", [EMAIL_CONFIRM, SMS_CONFIRM])
def test_confirming_for_another_application_is_404(admin_client, other_application, path):
    response = admin_client.post(
        path, {"applicationId": str(other_application.pk), "code": "123456"}, format="json"
    )

    assert response.status_code == 404


@pytest.mark.parametrize("path", [EMAIL_VERIFY, EMAIL_CONFIRM, SMS_VERIFY, SMS_CONFIRM])
@pytest.mark.parametrize("role", ["ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"])
def test_only_admins_may_verify(client_for, application, path, role):
    response = client_for(role).post(path, {"applicationId": str(application.pk), "code": "1"}, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize("path", [EMAIL_VERIFY, EMAIL_CONFIRM, SMS_VERIFY, SMS_CONFIRM])
def test_verification_needs_a_token(api_client, path):
    assert api_client.post(path, {}, format="json").status_code == 401


def test_paths_answer_with_a_trailing_slash_too(admin_client, application, smtp_server):
    response = admin_client.post(
        f"{EMAIL_VERIFY}/",
        {"applicationId": str(application.pk), "domain": "acme.example", "toEmail": "it@acme.example"},
        format="json",
    )

    assert response.status_code == 200
