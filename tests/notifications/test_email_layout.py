"""The shared email layout (templates/email/layout.html) around the HTML part of every email sent."""

from datetime import UTC, datetime, timedelta

import pytest

from appointments.services import appointment_delete, appointment_schedule
from notifications.models import Channel, Delivery
from notifications.pipeline.sending import delivery_send
from notifications.services import template_create
from notifications.templating.layout import email_html
from participants.services import CustomerDetails

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
EMAIL_TEST = "/api/notifications/emails/test"
FOOTER = "You receive this email because of an appointment with Acme Support."


@pytest.fixture
def notifying(application, email_sender, time_machine):
    time_machine.move_to(NOW, tick=False)
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    return application


def _template(application, type, **fields):
    return template_create(
        application=application,
        type=type,
        channel=Channel.EMAIL,
        locale="en_US",
        subject=f"{type}: {{{{title}}}}",
        **{
            "text_body": "Hi {{firstName}}",
            "html_body": "<p>Hi <b>{{firstName}}</b>, {{title}}</p>",
            **fields,
        },
    )


def _schedule(application, title="Mortgage <advice>"):
    return appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=NOW + timedelta(days=1),
        duration=timedelta(minutes=30),
        timezone="Europe/Berlin",
        title=title,
        customer=CustomerDetails(first_name="Bobby", last_name="Ewing", email="bobby@example.com"),
    )


def _send(appointment_id, type) -> None:
    delivery = Delivery.objects.get(appointment_id=appointment_id, type=type, channel=Channel.EMAIL)
    assert delivery_send(delivery_id=delivery.pk) == "sent"


def _assert_in_layout(html: str, body: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    header, _, rest = html.partition(body)
    assert rest, f"{body!r} is not in the email"
    assert "Acme Support</td>" in header  # the application's name heads the email
    assert FOOTER in rest and rest.rstrip().endswith("</html>")


def test_a_pipeline_email_arrives_in_the_layout(notifying, smtp_server):
    _template(notifying, "CREATE")
    appointment = _schedule(notifying)

    _send(appointment.pk, "CREATE")

    [mail] = smtp_server.messages
    _assert_in_layout(mail.part("text/html"), "<p>Hi <b>Bobby</b>, Mortgage &lt;advice&gt;</p>")
    # The text part is the template's text alone.
    assert mail.part("text/plain").strip() == "Hi Bobby"


def test_a_cancel_email_arrives_in_the_layout_after_the_hard_delete(notifying, smtp_server):
    _template(notifying, "CANCEL")
    appointment = _schedule(notifying)
    appointment_id = appointment.pk
    appointment_delete(appointment=appointment)

    _send(appointment_id, "CANCEL")

    [mail] = smtp_server.messages
    _assert_in_layout(mail.part("text/html"), "<p>Hi <b>Bobby</b>, Mortgage &lt;advice&gt;</p>")
    assert mail.message["Subject"] == "CANCEL: Mortgage <advice>"


def test_a_text_only_email_gains_no_html_part(notifying, smtp_server):
    _template(notifying, "CREATE", html_body="")
    appointment = _schedule(notifying)

    _send(appointment.pk, "CREATE")

    [mail] = smtp_server.messages
    assert mail.message.get_content_type() == "multipart/mixed"  # the .ics invitation
    assert mail.part("text/html") is None
    assert mail.part("text/plain").strip() == "Hi Bobby"


def _test_send(client_for, application, **fields):
    body = {
        "applicationId": str(application.pk),
        "channel": "EMAIL",
        "type": "CREATE",
        "subject": "Booked: {{title}}",
        "toEmail": "it@acme.example",
        **fields,
    }
    response = client_for("ROLE_ADMIN").post(EMAIL_TEST, body, format="json")
    assert response.status_code == 204, response.content


def test_a_test_send_arrives_in_the_layout(client_for, application, email_sender, smtp_server):
    _test_send(client_for, application, htmlBody="<p>Dear {{firstName}}</p>")

    [mail] = smtp_server.messages
    _assert_in_layout(mail.part("text/html"), "<p>Dear Bobby</p>")
    assert mail.part("text/plain").strip() == "Dear Bobby"


def test_a_text_only_test_send_gains_no_html_part(client_for, application, email_sender, smtp_server):
    _test_send(client_for, application, textBody="Dear {{firstName}}")

    [mail] = smtp_server.messages
    assert mail.message.get_content_type() == "text/plain"


def test_a_whole_document_gives_its_body_and_styles_to_the_layout(application):
    document = (
        "<html><head><title>Ignored</title><style>p { color: red; }</style></head>"
        '<body style="margin:4px"><p>Dear Bobby</p></body></html>'
    )

    html = email_html(document, application=application)

    _assert_in_layout(html, "<p>Dear Bobby</p>")
    assert html.count("<html") == 1 and html.count("<body") == 1
    assert "<style>p { color: red; }</style>" in html.partition("</head>")[0]
    assert "Ignored" not in html


def test_the_layout_escapes_the_application_name_and_adds_nothing_to_no_html(application):
    application.name = "Smith & <Sons>"

    assert "Smith &amp; &lt;Sons&gt;</td>" in email_html("<p>Hi</p>", application=application)
    assert email_html("", application=application) == ""


def test_the_layout_is_safe_for_mail_clients(application):
    html = email_html("<p>Hi</p>", application=application).lower()

    for unsafe in ("<script", "<link", "<img", "src=", "http://", "https://", "class="):
        assert unsafe not in html
