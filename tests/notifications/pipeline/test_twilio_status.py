"""POST /api/notifications/twilio/status: Twilio's signed message-status callbacks."""

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from notifications.models import Delivery, DeliveryStatus, SmsOptOut
from tests.notifications.pipeline.conftest import CUSTOMER_PHONE
from tests.providers import TWILIO_TOKEN

PATH = "/api/notifications/twilio/status"
pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def sent_sms(templates, schedule, twilio_fake):
    appointment = schedule()
    delivery = Delivery.objects.get(appointment_id=appointment.pk, type="CREATE", channel="SMS")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, provider_message_id="SM123")
    return delivery


def form_post(api_client, settings, params, *, token=TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature(f"{settings.PUBLIC_BASE_URL}{PATH}", params)
    return api_client.generic(
        "POST",
        PATH,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def test_a_signed_callback_records_the_provider_status(api_client, settings, sent_sms):
    response = form_post(api_client, settings, {"MessageSid": "SM123", "MessageStatus": "delivered"})

    assert response.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "delivered" and sent_sms.status == DeliveryStatus.SENT


def test_a_late_intermediate_status_does_not_undo_a_final_one(api_client, settings, sent_sms):
    form_post(
        api_client, settings, {"MessageSid": "SM123", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    )
    form_post(api_client, settings, {"MessageSid": "SM123", "MessageStatus": "sent"})

    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "undelivered"
    assert "30003" in sent_sms.last_error


def test_an_unsubscribed_error_opts_the_number_out(api_client, settings, sent_sms, notifying):
    form_post(api_client, settings, {"MessageSid": "SM123", "MessageStatus": "failed", "ErrorCode": "21610"})

    assert SmsOptOut.objects.filter(application=notifying, phone=CUSTOMER_PHONE).exists()


def test_a_bad_signature_is_refused(api_client, settings, sent_sms):
    response = form_post(
        api_client, settings, {"MessageSid": "SM123", "MessageStatus": "delivered"}, token="someone-else"
    )

    assert response.status_code == 403
    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == ""


def test_an_unknown_message_is_acknowledged(api_client, settings, twilio_fake, db):
    response = form_post(api_client, settings, {"MessageSid": "SMunknown", "MessageStatus": "delivered"})
    assert response.status_code == 204
