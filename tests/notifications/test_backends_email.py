"""The email backend against a real SMTP server on loopback: content, sender, failure classes."""

import socket

import pytest

from notifications.backends.base import DeliveryError, EmailMessage
from notifications.backends.email import DjangoEmailBackend


def _message(**overrides) -> EmailMessage:
    fields = {
        "to": "bobby@example.com",
        "from_email": "Acme Appointments <no-reply@appointments.acme.example>",
        "subject": "Your appointment",
        "text_body": "Dear Bobby,\nsee you soon.",
        "html_body": "<p>Dear Bobby,</p><p>see you soon.</p>",
    }
    return EmailMessage(**{**fields, **overrides})


def test_sends_multipart_text_and_html_from_the_sender(smtp_server):
    result = DjangoEmailBackend().send(
        _message(attachments=(("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),))
    )

    [mail] = smtp_server.messages
    assert mail.mail_from == "no-reply@appointments.acme.example"
    assert mail.rcpt_tos == ["bobby@example.com"]
    assert mail.message["From"] == "Acme Appointments <no-reply@appointments.acme.example>"
    assert mail.message["Subject"] == "Your appointment"
    assert mail.part("text/plain").strip() == "Dear Bobby,\nsee you soon."
    assert mail.part("text/html").strip() == "<p>Dear Bobby,</p><p>see you soon.</p>"
    assert mail.attachments() == [("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]
    # The provider id is the Message-ID, on the sender's domain, so bounces can be matched.
    assert result.provider_id == mail.message["Message-ID"].strip()  # long ids arrive folded
    assert result.provider_id.endswith("@appointments.acme.example>")


def test_plain_text_only_when_there_is_no_html(smtp_server):
    DjangoEmailBackend().send(_message(html_body=""))

    [mail] = smtp_server.messages
    assert mail.message.get_content_type() == "text/plain"


@pytest.mark.parametrize(
    ("hook", "reply", "permanent"),
    [
        ("rcpt_reply", "450 4.2.1 Mailbox busy, try later", False),
        ("rcpt_reply", "550 5.1.1 No such user", True),
        ("data_reply", "451 4.3.0 Local problem, try later", False),
        ("data_reply", "554 5.7.1 Rejected as spam", True),
    ],
)
def test_smtp_4xx_is_retryable_and_5xx_permanent(smtp_server, hook, reply, permanent):
    setattr(smtp_server, hook, reply)

    with pytest.raises(DeliveryError) as raised:
        DjangoEmailBackend().send(_message())

    assert raised.value.permanent is permanent
    assert raised.value.status == int(reply[:3])
    assert reply[4:] in raised.value.message
    assert smtp_server.messages == []


def test_an_unreachable_mail_server_is_retryable(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2

    with pytest.raises(DeliveryError) as raised:
        DjangoEmailBackend().send(_message())

    assert raised.value.retryable
