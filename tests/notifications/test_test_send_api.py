"""emails/test and sms/test: the request's text rendered with a sample appointment, sent now."""

from datetime import UTC, datetime

import pytest
import time_machine

EMAIL_TEST = "/api/notifications/emails/test"
SMS_TEST = "/api/notifications/sms/test"

# The API document's own example bodies, quotes and escapes included.
DOCUMENT_TEXT = (
    '"Dear {{firstName}},\\n\\nThis is a reminder of your video call scheduled for '
    '{{dd-MM-yyyy}} {{time24}} {{zone}}"'
)
HTML_BODY = '"<html><body><p>Dear {{firstName}},</p><p>{{EEEE d MMMM}} at {{time24}}</p></body></html>"'
# 08:07 UTC; a day later, on the next quarter hour, is 08:15 UTC on 31 March 2030,
# the first day of summer time in Berlin: 10:15 CEST.
NOW = datetime(2030, 3, 30, 8, 7, tzinfo=UTC)


def _email_body(application, **overrides):
    body = {
        "applicationId": str(application.pk),
        "channel": "EMAIL",
        "htmlBody": HTML_BODY,
        "locale": "en-GB",
        "period": '"P1D"',
        "subject": '"Video appointment reminder: {{title}}"',
        "textBody": DOCUMENT_TEXT,
        "timezone": "Europe/Berlin",
        "toEmail": "email@yourdomain.example",
        "type": "REMINDER",
    }
    return {**body, **overrides}


def _sms_body(application, **overrides):
    body = {
        "applicationId": str(application.pk),
        "channel": "SMS",
        "locale": "el-GR",
        "period": "P1D (1 day before)",
        "textBody": DOCUMENT_TEXT,
        "timezone": "Europe/Berlin",
        "toNumber": "+306931221100",
        "type": "REMINDER",
    }
    return {**body, **overrides}


def test_the_documents_email_example_is_rendered_and_sent(client_for, application, email_sender, smtp_server):
    with time_machine.travel(NOW):
        response = client_for("ROLE_ADMIN").post(EMAIL_TEST, _email_body(application), format="json")

    assert response.status_code == 204, response.content
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["email@yourdomain.example"]
    assert mail.message["From"] == "Acme Appointments <no-reply@appointments.acme.example>"
    assert mail.message["Subject"] == "Video appointment reminder: Product installation review"
    assert mail.part("text/plain").strip() == (
        "Dear Bobby,\n\nThis is a reminder of your video call scheduled for 31-03-2030 10:15 CEST"
    )
    # The document's <body> is sent inside the shared email layout.
    html = mail.part("text/html")
    assert html.startswith("<!DOCTYPE html>") and html.count("<html") == 1
    assert "<p>Dear Bobby,</p><p>Sunday 31 March at 10:15</p>" in html


def test_an_email_test_needs_a_verified_sender(admin_client, application, smtp_server):
    response = admin_client.post(EMAIL_TEST, _email_body(application), format="json")

    assert response.status_code == 404
    assert response.json()["error"] == "StatusNotFound"
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"toEmail": "nobody"}, "toEmail", "Enter a valid email address."),
        ({"type": "BIRTHDAY"}, "type", '"BIRTHDAY" is not a valid choice.'),
        ({"channel": "SMS"}, "channel", "must be EMAIL on this endpoint, not SMS"),
        ({"channel": "FAX"}, "channel", '"FAX" is not a valid choice.'),
        ({"period": None}, "period", "is required for REMINDER and ROOM notifications"),
        ({"type": "ROOM", "period": None}, "period", "is required for REMINDER and ROOM notifications"),
        ({"period": "soon"}, "period", "'soon' is not an ISO 8601 duration such as PT5M"),
        (
            {"textBody": "Hi {{fristName}}"},
            "textBody",
            "unknown tag {{fristName}} (did you mean {{firstName}}?)",
        ),
        ({"subject": "{{title"}, "subject", "malformed tag {{title"),
        ({"locale": "xx-YY"}, "locale", "'xx-YY' is not a known locale"),
        (
            {"timezone": "Mars/Olympus"},
            "timezone",
            "'Mars/Olympus' is not an IANA time zone such as Europe/Berlin",
        ),
        ({"textBody": "", "htmlBody": ""}, "textBody", "textBody or htmlBody is required"),
    ],
)
def test_bad_email_tests_are_400_naming_the_field(
    admin_client, application, email_sender, smtp_server, overrides, field, message
):
    response = admin_client.post(EMAIL_TEST, _email_body(application, **overrides), format="json")

    assert response.status_code == 400
    assert response.json()["fields"][field] == [message]
    assert smtp_server.messages == []


def test_untimed_types_need_no_period(admin_client, application, email_sender, smtp_server):
    body = _email_body(application, type="CREATE")
    del body["period"]

    assert admin_client.post(EMAIL_TEST, body, format="json").status_code == 204
    assert len(smtp_server.messages) == 1


def test_a_mail_server_refusal_is_502(admin_client, application, email_sender, smtp_server):
    smtp_server.rcpt_reply = "550 5.1.1 No such user"

    response = admin_client.post(EMAIL_TEST, _email_body(application), format="json")

    assert response.status_code == 502


def test_the_documents_sms_example_is_rendered_in_greek_and_sent(
    client_for, application, sms_sender, twilio_fake
):
    with time_machine.travel(NOW):
        response = client_for("ROLE_ADMIN").post(
            SMS_TEST,
            _sms_body(application, textBody="{{EEEE}} {{d MMMM}} {{time12hr}} {{zone}}"),
            format="json",
        )

    assert response.status_code == 204, response.content
    [request] = twilio_fake.requests
    assert request.form == {
        "To": "+306931221100",
        "From": "+302102234988",
        "Body": "Κυριακή 31 Μαρτίου 10:15 π.μ. CEST",
    }


def test_the_documents_sms_body_keeps_its_line_breaks(admin_client, application, sms_sender, twilio_fake):
    assert admin_client.post(SMS_TEST, _sms_body(application), format="json").status_code == 204

    body = twilio_fake.requests[0].form["Body"]
    assert body.startswith("Dear Bobby,\n\nThis is a reminder of your video call scheduled for ")


def test_an_sms_test_needs_a_verified_sender(admin_client, application, twilio_fake):
    assert admin_client.post(SMS_TEST, _sms_body(application), format="json").status_code == 404
    assert twilio_fake.requests == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"toNumber": "+3069312211xx"}, "toNumber"),
        ({"toNumber": "2102234988"}, "toNumber"),
        ({"textBody": ""}, "textBody"),
        ({"channel": "EMAIL"}, "channel"),
        ({"type": "ROOM", "period": None}, "period"),
        ({"textBody": "{{roomLink}}"}, "textBody"),
    ],
)
def test_bad_sms_tests_are_400_naming_the_field(
    admin_client, application, sms_sender, twilio_fake, overrides, field
):
    response = admin_client.post(SMS_TEST, _sms_body(application, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert twilio_fake.requests == []


def test_an_sms_twilio_refuses_is_502(admin_client, application, sms_sender, twilio_fake):
    twilio_fake.reply_with(400, code=21610, message="Attempt to send to unsubscribed recipient")

    response = admin_client.post(SMS_TEST, _sms_body(application), format="json")

    assert response.status_code == 502
    assert "21610" in response.json()["message"]


@pytest.mark.parametrize(("path", "body"), [(EMAIL_TEST, _email_body), (SMS_TEST, _sms_body)])
def test_another_applications_id_is_404(
    admin_client, application, other_application, path, body, smtp_server
):
    response = admin_client.post(path, body(other_application), format="json")

    assert response.status_code == 404
    assert smtp_server.messages == []


@pytest.mark.parametrize(("path", "body"), [(EMAIL_TEST, _email_body), (SMS_TEST, _sms_body)])
def test_only_admins_may_send_tests(client_for, api_client, application, path, body):
    assert client_for("ROLE_SUPERVISOR").post(path, body(application), format="json").status_code == 403
    assert api_client.post(path, body(application), format="json").status_code == 401
