"""POST /api/notifications/sms/inbound: signed replies, STOP/START, confirmations, the daily help text."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from appointments.models import InteractionState
from appointments.services import appointment_end
from notifications.delivery_apis import EMPTY_TWIML
from notifications.models import HELP_REPLY, ChannelSender, Delivery, DeliveryStatus, SmsOptOut
from notifications.pipeline import replies
from notifications.templating.replies import help_text
from participants.models import Confirmation, Participant, ParticipantType
from tests.factories import CustomerFactory
from tests.notifications.pipeline.conftest import CUSTOMER_PHONE, START
from tests.providers import TWILIO_TOKEN

PATH = "/api/notifications/sms/inbound"
APP_NUMBER = "+302102234988"  # tests.providers.sms_sender
pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def asking(notifying):
    notifying.confirmation_requests = True
    notifying.save(update_fields=["confirmation_requests"])
    return notifying


@pytest.fixture
def inbound(api_client, settings, twilio_fake):
    """inbound("YES") -> the response to a reply posted and signed the way Twilio signs it."""

    def _post(body: str, *, sender: str = CUSTOMER_PHONE, to: str = APP_NUMBER, token: str = TWILIO_TOKEN):
        params = {
            "MessageSid": "SM" + "a" * 32,
            "AccountSid": "AC" + "b" * 32,
            "From": sender,
            "To": to,
            "Body": body,
            "NumSegments": "1",
        }
        url = f"{settings.PUBLIC_BASE_URL}{PATH}"
        signature = RequestValidator(token).compute_signature(url, params)
        return api_client.generic(
            "POST",
            PATH,
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=signature,
        )

    return _post


def sent_reminder(appointment, *, minutes_ago: int = 0) -> Delivery:
    """Mark the appointment's REMINDER SMS as sent, as the pipeline would have."""
    row = Delivery.objects.get(appointment_id=appointment.pk, type="REMINDER", channel="SMS")
    Delivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def customer_of(appointment) -> Participant:
    return Participant.objects.get(appointment=appointment, type=ParticipantType.CUSTOMER)


# --- the signature ----------------------------------------------------------------


def test_an_unsigned_reply_is_refused(api_client, twilio_fake, asking, templates, schedule):
    appointment = schedule()
    form = urlencode({"From": CUSTOMER_PHONE, "To": APP_NUMBER, "Body": "YES"})
    response = api_client.generic("POST", PATH, form, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert customer_of(appointment).confirmation == Confirmation.NONE


def test_a_body_that_is_no_form_is_refused_as_unsigned(api_client, twilio_fake, asking, templates, schedule):
    appointment = schedule()
    body = {"From": CUSTOMER_PHONE, "To": APP_NUMBER, "Body": "YES"}

    for response in (
        api_client.post(PATH, body, format="json"),
        api_client.post(PATH, body, format="multipart"),
    ):
        assert response.status_code == 403
    assert customer_of(appointment).confirmation == Confirmation.NONE


def test_a_reply_signed_with_another_token_is_refused(inbound, asking, templates, schedule):
    appointment = schedule()

    response = inbound("YES", token="not-our-token")

    assert response.status_code == 403
    assert customer_of(appointment).confirmation == Confirmation.NONE


def test_a_number_that_is_no_application_s_is_acknowledged_and_ignored(inbound, asking, templates, schedule):
    schedule()
    before = Delivery.objects.count()

    response = inbound("hello", to="+15005550006")

    assert response.status_code == 200
    assert response.content.decode() == EMPTY_TWIML
    assert response["Content-Type"].startswith("text/xml")
    assert Delivery.objects.count() == before


# --- confirming and declining -------------------------------------------------------


def test_yes_confirms_the_customer_of_the_appointment_they_were_reminded_of(
    inbound, asking, templates, schedule
):
    appointment = schedule()
    sent_reminder(appointment)

    response = inbound("Yes!")

    assert response.status_code == 200 and response.content.decode() == EMPTY_TWIML
    customer = customer_of(appointment)
    assert customer.confirmation == Confirmation.CONFIRMED
    assert customer.confirmation_channel == "SMS"
    assert customer.confirmation_at == timezone.now()


def test_a_localized_no_declines(inbound, asking, templates, schedule):
    appointment = schedule()

    inbound("Όχι")

    assert customer_of(appointment).confirmation == Confirmation.DECLINED


def test_a_customer_may_change_their_mind(inbound, asking, templates, schedule):
    appointment = schedule()

    inbound("C")
    inbound("N")

    assert customer_of(appointment).confirmation == Confirmation.DECLINED


def test_the_reply_goes_to_the_appointment_last_texted_about_not_an_older_or_ended_one(
    inbound, asking, templates, schedule
):
    earlier = schedule(title="Earlier", start=START)
    later = schedule(title="Later", start=START + timedelta(days=3))
    over = schedule(title="Over", start=START + timedelta(days=1))
    # The customer was last texted about `later`; `over` ended since, though texted even later.
    sent_reminder(earlier, minutes_ago=60)
    sent_reminder(later, minutes_ago=5)
    sent_reminder(over, minutes_ago=1)
    appointment_end(appointment=over)

    inbound("YES")

    assert customer_of(later).confirmation == Confirmation.CONFIRMED
    assert customer_of(earlier).confirmation == Confirmation.NONE
    assert customer_of(over).confirmation == Confirmation.NONE


def test_without_any_sms_sent_the_soonest_open_appointment_is_meant(asking, templates, schedule):
    later = schedule(title="Later", start=START + timedelta(days=3))
    sooner = schedule(title="Sooner", start=START)

    found = replies.latest_open_appointment(applications=[asking], phone=CUSTOMER_PHONE)

    assert found == sooner and found != later


def test_another_application_s_appointment_is_never_answered(
    inbound, asking, templates, schedule, other_application
):
    theirs = CustomerFactory(
        appointment__application=other_application, appointment__start=START, phone=CUSTOMER_PHONE
    )
    ours = schedule()

    inbound("YES")

    theirs.refresh_from_db()
    assert theirs.confirmation == Confirmation.NONE
    assert customer_of(ours).confirmation == Confirmation.CONFIRMED


def test_customers_sharing_the_phone_all_answer_with_one_reply(inbound, asking, templates, schedule):
    appointment = schedule()
    partner = CustomerFactory(appointment=appointment, phone=CUSTOMER_PHONE, participant_id="partner")
    other = CustomerFactory(appointment=appointment, phone="+306900000000", participant_id="other")

    inbound("ja")

    partner.refresh_from_db()
    other.refresh_from_db()
    answers = Participant.objects.filter(appointment=appointment, phone=CUSTOMER_PHONE)
    assert {p.confirmation for p in answers} == {Confirmation.CONFIRMED} and answers.count() == 2
    assert other.confirmation == Confirmation.NONE


def test_with_confirmation_requests_off_a_yes_is_not_an_answer_and_gets_no_help(
    inbound, notifying, templates, schedule
):
    appointment = schedule()

    inbound("YES")
    inbound("what is this?")

    assert customer_of(appointment).confirmation == Confirmation.NONE
    assert not Delivery.objects.filter(type=HELP_REPLY).exists()


# --- STOP and START -------------------------------------------------------------------


@pytest.mark.parametrize("asks", [True, False])
def test_stop_opts_out_and_start_opts_back_in_whatever_the_setting(
    inbound, notifying, templates, schedule, asks
):
    notifying.confirmation_requests = asks
    notifying.save(update_fields=["confirmation_requests"])
    appointment = schedule()

    inbound("STOP")
    assert SmsOptOut.objects.filter(application=notifying, phone=CUSTOMER_PHONE).exists()
    assert customer_of(appointment).confirmation == Confirmation.NONE

    inbound("start")
    assert not SmsOptOut.objects.filter(application=notifying, phone=CUSTOMER_PHONE).exists()


def test_stop_reaches_every_application_sending_from_that_number(
    inbound, notifying, templates, other_application
):
    ChannelSender.objects.create(
        application=other_application, channel="SMS", from_number=APP_NUMBER, verified_at=timezone.now()
    )

    inbound("Stop")

    opted_out = set(SmsOptOut.objects.filter(phone=CUSTOMER_PHONE).values_list("application_id", flat=True))
    assert opted_out == {notifying.pk, other_application.pk}


def test_stop_from_a_number_with_no_appointment_still_opts_it_out(inbound, notifying, sms_sender):
    inbound("STOP", sender="+306977777777")

    assert SmsOptOut.objects.filter(application=notifying, phone="+306977777777").exists()


# --- the help text --------------------------------------------------------------------


def test_an_unreadable_reply_gets_one_help_text_a_day(inbound, asking, templates, schedule, time_machine):
    appointment = schedule(start=START + timedelta(days=5))
    sent_reminder(appointment)

    inbound("what time again?")
    inbound("hello??")
    time_machine.shift(timedelta(hours=23))
    inbound("still there?")

    helps = Delivery.objects.filter(type=HELP_REPLY)
    assert helps.count() == 1
    help_row = helps.get()
    assert help_row.channel == "SMS" and help_row.recipient == CUSTOMER_PHONE
    assert help_row.appointment_id == appointment.pk
    assert help_row.snapshot == {"body": help_text("en_US")}
    assert help_row.participant_id == customer_of(appointment).participant_id

    time_machine.shift(timedelta(hours=2))
    inbound("hello again")
    assert helps.count() == 2


def test_the_help_text_is_in_the_language_the_customer_was_texted_in(inbound, asking, templates, schedule):
    appointment = schedule()
    Delivery.objects.filter(appointment_id=appointment.pk, channel="SMS").update(locale="el_GR")

    inbound("τι ώρα;")

    assert Delivery.objects.get(type=HELP_REPLY).snapshot["body"] == help_text("el_GR")


def test_no_help_without_an_open_appointment(inbound, asking, templates, schedule):
    appointment = schedule()
    appointment.interaction_state = InteractionState.COMPLETE
    appointment.save(update_fields=["interaction_state"])

    inbound("hello")
    inbound("YES")

    assert not Delivery.objects.filter(type=HELP_REPLY).exists()
    assert customer_of(appointment).confirmation == Confirmation.NONE


def test_the_help_text_goes_out_through_the_pipeline(inbound, asking, templates, schedule, twilio_fake):
    from notifications.pipeline.sending import delivery_send

    schedule()
    twilio_fake.requests.clear()

    inbound("??")
    help_row = Delivery.objects.get(type=HELP_REPLY)
    delivery_send(delivery_id=help_row.pk)

    help_row.refresh_from_db()
    assert help_row.status == DeliveryStatus.SENT and help_row.provider_message_id.startswith("SM")
    [sms] = twilio_fake.requests
    assert sms.form["To"] == CUSTOMER_PHONE and sms.form["From"] == APP_NUMBER
    assert sms.form["Body"] == help_text("en_US")


def test_a_help_text_to_an_opted_out_number_is_cancelled(inbound, asking, templates, schedule, twilio_fake):
    from notifications.pipeline.sending import delivery_send

    schedule()
    inbound("??")
    SmsOptOut.objects.create(application=asking, phone=CUSTOMER_PHONE)
    twilio_fake.requests.clear()

    help_row = Delivery.objects.get(type=HELP_REPLY)
    delivery_send(delivery_id=help_row.pk)

    help_row.refresh_from_db()
    assert help_row.status == DeliveryStatus.CANCELLED
    assert twilio_fake.requests == []
