"""Customers' phone numbers written nationally are read in their application's region, never a guessed one.

`2102234988` is a Greek number written as a Greek would: it becomes +302102234988
for an application whose default region is GR, and is refused (400, naming the
field) by an application without a region. E.164 is read the same everywhere.
"""

import base64
import re

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from appointments.models import Appointment
from participants.models import CustomerOneTimeCode, Participant, ParticipantType
from tenants.models import Application
from tests.appointments.helpers import client_with, schedule_body

GREEK_NATIONAL = "2102234988"
GREEK_E164 = "+302102234988"
PHONE_FIELD = "customer.contact.primaryPhone"
OTP_URL = "/api/appointments/basic/otp"
BASIC_URL = "/api/appointments/basic"


def with_region(application: Application, region: str) -> Application:
    application.default_region = region
    application.save(update_fields=["default_region"])
    return application


@pytest.fixture
def greek_application(application):
    return with_region(application, "GR")


def schedule(application, phone: str):
    customer = {"contact": {"primaryPhone": phone}}
    client = client_with("ROLE_AGENT", application=application)
    return client.post("/api/appointments/", schedule_body(application, customer=customer), format="json")


def stored_customer_phone(appointment_id) -> str:
    return Participant.objects.get(appointment_id=appointment_id, type=ParticipantType.CUSTOMER).phone


def test_a_national_number_is_read_in_the_applications_region(greek_application):
    response = schedule(greek_application, GREEK_NATIONAL)

    assert response.status_code == 200, response.json()
    assert stored_customer_phone(response.json()["id"]) == GREEK_E164


def test_a_national_number_is_refused_when_the_application_has_no_region(application):
    response = schedule(application, GREEK_NATIONAL)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "BadRequest"
    (message,) = body["fields"][PHONE_FIELD]
    assert "country code" in message and GREEK_E164 in message
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("region", ["", "GR"])
def test_e164_is_read_alike_in_every_application(application, region):
    with_region(application, region)

    response = schedule(application, "+1 201 555 0123")

    assert response.status_code == 200, response.json()
    assert stored_customer_phone(response.json()["id"]) == "+12015550123"


def test_a_customer_added_later_is_read_in_the_applications_region(appointment):
    client = client_with("ROLE_AGENT", application=appointment.application)

    def add(phone):
        body = {"id": str(appointment.pk), "customer": {"contact": {"primaryPhone": phone}}}
        return client.post("/api/appointments/participants/customers/", body, format="json")

    refused = add(GREEK_NATIONAL)
    assert refused.status_code == 400
    assert PHONE_FIELD in refused.json()["fields"]

    with_region(appointment.application, "GR")
    assert add(GREEK_NATIONAL).status_code == 200
    assert appointment.participants.filter(phone=GREEK_E164).exists()


def basic_client(user: str, code: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{user}:{code}".encode()).decode())
    return client


def request_sms_code(application, phone: str):
    body = {"applicationId": str(application.pk), "phone": phone}
    return APIClient().post(OTP_URL, body, format="json")


def sent_code(twilio_fake) -> str:
    return re.search(r"\b(\d{6})\b", twilio_fake.requests[-1].form["Body"]).group(1)


def test_a_code_goes_to_a_national_number_read_in_the_applications_region(
    greek_application, sms_sender, twilio_fake
):
    requested = request_sms_code(greek_application, "210 223 4988")
    assert requested.status_code == 200, requested.json()
    assert twilio_fake.requests[-1].form["To"] == GREEK_E164

    # The Basic credential may be written nationally too: it is read once the application is known.
    client = basic_client(GREEK_NATIONAL, sent_code(twilio_fake))
    response = client.post(BASIC_URL, schedule_body(greek_application), format="json")

    assert response.status_code == 200, response.json()
    assert stored_customer_phone(response.json()["id"]) == GREEK_E164


def test_a_code_for_a_national_number_is_refused_without_a_region(application, sms_sender, twilio_fake):
    response = request_sms_code(application, GREEK_NATIONAL)

    assert response.status_code == 400
    assert "country code" in response.json()["fields"]["phone"][0]
    assert not CustomerOneTimeCode.objects.exists()
    assert not twilio_fake.requests


def test_a_national_basic_credential_without_a_region_is_unauthorized(application, sms_sender, twilio_fake):
    assert request_sms_code(application, GREEK_E164).status_code == 200

    client = basic_client(GREEK_NATIONAL, sent_code(twilio_fake))
    response = client.post(BASIC_URL, schedule_body(application), format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not Appointment.objects.exists()
    # The code was not tried, so it still books with the number in E.164.
    retried = basic_client(GREEK_E164, sent_code(twilio_fake)).post(
        BASIC_URL, schedule_body(application), format="json"
    )
    assert retried.status_code == 200, retried.json()


@pytest.mark.parametrize("region", ["ZZ", "gr", "GRC", "001"])
def test_a_region_must_be_one_phone_numbers_are_known_in(application, region):
    application.default_region = region

    with pytest.raises(ValidationError) as refused:
        application.full_clean()

    assert "default_region" in refused.value.message_dict
