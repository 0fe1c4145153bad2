"""Customer self-scheduling with a one-time code (CONTRACT.md section 6)."""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from appointments.models import Appointment, OrganizerType
from participants.models import CustomerOneTimeCode, Participant, ParticipantType
from tests.appointments.helpers import schedule_body

OTP_URL = "/api/appointments/basic/otp"


@pytest.fixture(autouse=True)
def _verified_email_sender(email_sender):
    """Codes travel through the application's verified email sender."""


BASIC_URL = "/api/appointments/basic"


def request_code(application, *, email="Bobby@Example.com", address="127.0.0.1"):
    return APIClient().post(
        OTP_URL, {"applicationId": str(application.pk), "email": email}, format="json", REMOTE_ADDR=address
    )


def code_from_last_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def basic_client(user: str, code: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{user}:{code}".encode()).decode())
    return client


def schedule_as(application, user, code, **overrides):
    return basic_client(user, code).post(BASIC_URL, schedule_body(application, **overrides), format="json")


def test_a_customer_schedules_with_an_emailed_code(application):
    requested = request_code(application)

    assert requested.status_code == 200
    assert requested.json() == {"applicationId": str(application.pk), "validFor": "PT10M"}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # From the application's verified sender, not the service's own address.
    assert (message.to, message.from_email) == (
        ["bobby@example.com"],
        "Acme Appointments <no-reply@appointments.acme.example>",
    )
    code = code_from_last_mail()
    assert code in message.subject

    response = schedule_as(application, "bobby@example.com", code, customer={"name": {"firstName": "Bobby"}})

    assert response.status_code == 200, response.json()
    body = response.json()
    customer = Participant.objects.get(appointment_id=body["id"])
    assert customer.type == ParticipantType.CUSTOMER
    assert (customer.email, customer.first_name) == ("bobby@example.com", "Bobby")
    assert body["organizer"] == {"id": customer.participant_id, "state": "active", "type": "CUSTOMER"}
    assert body["participantIds"] == [{"id": customer.participant_id, "state": "active", "type": "CUSTOMER"}]
    assert Appointment.objects.get(pk=body["id"]).organizer_type == OrganizerType.CUSTOMER


def test_only_a_keyed_hash_of_the_code_is_stored(application):
    request_code(application)
    code = code_from_last_mail()

    row = CustomerOneTimeCode.objects.get()

    stored = " ".join(str(getattr(row, field.attname)) for field in row._meta.fields)
    assert code not in stored
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)
    assert abs(row.expires_at - row.created_at - timedelta(minutes=10)) < timedelta(seconds=1)


def test_a_code_is_good_for_one_appointment(application):
    request_code(application)
    code = code_from_last_mail()

    assert schedule_as(application, "bobby@example.com", code).status_code == 200
    again = schedule_as(application, "bobby@example.com", code)

    assert again.status_code == 401
    assert again.json()["error"] == "Unauthorized"
    assert Appointment.objects.count() == 1


def test_five_wrong_guesses_burn_the_code(application):
    request_code(application)
    code = code_from_last_mail()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    statuses = [schedule_as(application, "bobby@example.com", wrong).status_code for _ in range(5)]
    last = schedule_as(application, "bobby@example.com", code)

    assert statuses == [401] * 5
    assert last.status_code == 401
    assert CustomerOneTimeCode.objects.get().attempts == 5
    assert not Appointment.objects.exists()


def test_a_code_expires(application):
    request_code(application)
    code = code_from_last_mail()

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = schedule_as(application, "bobby@example.com", code)

    assert response.status_code == 401


def test_a_new_code_replaces_the_previous_one(application):
    request_code(application)
    first = code_from_last_mail()
    request_code(application)
    second = code_from_last_mail()

    if first != second:
        assert schedule_as(application, "bobby@example.com", first).status_code == 401
    assert schedule_as(application, "bobby@example.com", second).status_code == 200


def test_a_code_is_valid_only_in_its_application(application, other_application):
    request_code(application)
    code = code_from_last_mail()

    response = schedule_as(other_application, "bobby@example.com", code)

    assert response.status_code == 401
    assert schedule_as(application, "bobby@example.com", code).status_code == 200


def test_the_body_must_carry_the_verified_contact_if_any(application):
    request_code(application)
    code = code_from_last_mail()
    someone_else = {"contact": {"primaryEmail": "eve@example.com"}}

    refused = schedule_as(application, "bobby@example.com", code, customer=someone_else)
    accepted = schedule_as(
        application, "bobby@example.com", code, customer={"contact": {"primaryEmail": "BOBBY@example.com"}}
    )

    assert refused.status_code == 403
    # The refused attempt did not consume the code.
    assert accepted.status_code == 200


def test_requests_are_limited_per_contact(application, settings):
    settings.OTP_MAX_PER_CONTACT = 3

    statuses = [request_code(application).status_code for _ in range(4)]
    other_contact = request_code(application, email="sue@example.com")

    assert statuses == [200, 200, 200, 429]
    assert other_contact.status_code == 200
    assert len(mail.outbox) == 4


def test_requests_are_limited_per_client_address(application, settings):
    settings.OTP_MAX_PER_ADDRESS = 2

    statuses = [request_code(application, email=f"c{i}@example.com").status_code for i in range(3)]
    elsewhere = request_code(application, email="c9@example.com", address="192.0.2.7")

    assert statuses == [200, 200, 429]
    assert elsewhere.status_code == 200


def test_the_limits_forget_old_requests(application, settings):
    settings.OTP_MAX_PER_CONTACT = 1
    request_code(application)

    with time_machine.travel(timezone.now() + settings.OTP_RATE_WINDOW + timedelta(seconds=1)):
        assert request_code(application).status_code == 200


def test_codes_wait_for_a_verified_channel(application):
    response = APIClient().post(
        OTP_URL, {"applicationId": str(application.pk), "phone": "+302102234988"}, format="json"
    )

    assert response.status_code == 404
    assert "SMS channel" in response.json()["message"]
    assert not CustomerOneTimeCode.objects.exists()


def test_a_customer_schedules_with_a_code_sent_by_sms(application, sms_sender, twilio_fake):
    response = APIClient().post(
        OTP_URL, {"applicationId": str(application.pk), "phone": "+30 210 223 4988"}, format="json"
    )
    assert response.status_code == 200, response.json()

    (sms,) = twilio_fake.requests
    assert sms.form["To"] == "+302102234988"
    assert sms.form["From"] == sms_sender.from_number
    code = re.search(r"\b(\d{6})\b", sms.form["Body"]).group(1)

    response = schedule_as(application, "+30 210 223 4988", code)

    assert response.status_code == 200, response.json()
    assert Participant.objects.get(appointment_id=response.json()["id"]).phone == "+302102234988"


def test_a_refused_sms_is_a_502_and_keeps_no_code(application, sms_sender, twilio_fake):
    twilio_fake.reply_with(400, code=21211, message="The 'To' number is not a valid phone number.")
    response = APIClient().post(
        OTP_URL, {"applicationId": str(application.pk), "phone": "+302102234988"}, format="json"
    )

    assert response.status_code == 502
    assert not CustomerOneTimeCode.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"email": "bobby@example.com"},
        {"applicationId": "x", "email": "bobby@example.com"},
        {"applicationId": "{app}"},
        {"applicationId": "{app}", "email": "bobby@example.com", "phone": "+302102234988"},
        {"applicationId": "{app}", "email": "not-an-email"},
    ],
)
def test_bad_code_requests_are_refused(application, body):
    body = {key: value.replace("{app}", str(application.pk)) for key, value in body.items()}

    response = APIClient().post(OTP_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]
    assert not mail.outbox


def test_an_unknown_application_is_not_found(db):
    response = APIClient().post(
        OTP_URL,
        {"applicationId": "bf8215e5-a39e-490a-a0e2-07df6a3d8c1f", "email": "a@example.com"},
        format="json",
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer abc"],
)
def test_missing_or_malformed_basic_credentials_are_unauthorized(application, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.post(BASIC_URL, schedule_body(application), format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
