"""The invitation email's MIME structure, read back from a real SMTP server.

An iMIP client (Outlook, Apple Mail, Gmail, Thunderbird) looks for one
`text/calendar; method=...` part among the alternatives of the message and
offers to accept it; the same calendar as the `invite.ics` attachment lets
anyone import it by hand. Each part is checked as Python's email package
parses it and, for the calendar, as icalendar reads it.
"""

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from notifications.backends.base import EmailMessage, get_backend
from notifications.pipeline.composition import email_compose
from notifications.services import template_create
from tests.factories import AppointmentFactory, CustomerFactory

TITLE = "Beratung für Müller"


@pytest.fixture
def appointment(application):
    appointment = AppointmentFactory(
        application=application, start=datetime(2030, 1, 31, 19, 0, tzinfo=UTC), title=TITLE
    )
    CustomerFactory(appointment=appointment, first_name="Jürgen", email="juergen@example.com")
    return appointment


def _send(application, appointment, *, type="CREATE", html_body="<p>Hallo {{firstName}}</p>", **extra):
    template = template_create(
        application=application,
        type=type,
        channel="EMAIL",
        locale="de_DE",
        subject="{{title}}",
        text_body="Hallo {{firstName}}, {{title}}",
        html_body=html_body,
        **extra,
    )
    recipient = appointment.participants.get(type="CUSTOMER")
    get_backend("EMAIL").send(email_compose(template=template, appointment=appointment, recipient=recipient))


def _parts(message):
    return [part for part in message.walk() if not part.is_multipart()]


def _calendar_parts(message):
    return [part for part in _parts(message) if part.get_content_type() == "text/calendar"]


def _imip_part(message):
    """The one calendar part that carries a method: the iMIP invitation."""
    [part] = [part for part in _calendar_parts(message) if part.get_param("method") is not None]
    return part


def _alternatives(message) -> list[str]:
    [alternative] = [part for part in message.walk() if part.get_content_type() == "multipart/alternative"]
    return [part.get_content_type() for part in alternative.iter_parts()]


def _ics(part) -> Calendar:
    return Calendar.from_ical(part.get_payload(decode=True))


@pytest.mark.parametrize(("type", "method"), [("CREATE", "REQUEST"), ("UPDATE", "REQUEST")])
def test_the_imip_part_is_an_alternative_with_method_and_charset_once(
    application, appointment, email_sender, smtp_server, type, method
):
    _send(application, appointment, type=type)

    [mail] = smtp_server.messages
    imip = _imip_part(mail.message)
    assert _raw_content_type(imip) == f"text/calendar; method={method}; charset=UTF-8"
    # Inline, beside the text and the HTML, as iMIP clients look for it.
    assert imip.get_filename() is None and imip.get_content_disposition() is None
    assert _alternatives(mail.message) == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar = _ics(imip)
    assert str(calendar["METHOD"]) == method
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == TITLE
    assert imip.get_content().replace("\r\n", "\n") == _ics_text(mail.message, "invite.ics")


def test_every_part_names_its_charset_once(application, appointment, email_sender, smtp_server):
    _send(application, appointment)

    [mail] = smtp_server.messages
    for part in _parts(mail.message):
        content_type = _raw_content_type(part).lower()
        assert content_type.count("charset") == 1, content_type
        assert part.get_content_charset() == "utf-8"


def test_the_invite_ics_attachment_is_the_same_calendar(application, appointment, email_sender, smtp_server):
    _send(application, appointment)

    [mail] = smtp_server.messages
    [attached] = [part for part in _parts(mail.message) if part.get_filename()]
    assert attached.get_filename() == "invite.ics"
    assert attached.get_content_disposition() == "attachment"
    assert attached.get_content_type() == "text/calendar"
    # A file to import, not a second invitation: no method on the attachment's type.
    assert attached.get_param("method") is None
    assert len(_calendar_parts(mail.message)) == 2
    calendar = _ics(attached)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == TITLE


def test_a_text_only_email_still_carries_the_invitation_as_an_alternative(
    application, appointment, email_sender, smtp_server
):
    _send(application, appointment, html_body="")

    [mail] = smtp_server.messages
    imip = _imip_part(mail.message)
    assert _raw_content_type(imip) == "text/calendar; method=REQUEST; charset=UTF-8"
    assert _alternatives(mail.message) == ["text/plain", "text/calendar"]
    assert mail.part("text/plain").startswith("Hallo Jürgen")


def test_a_cancellation_carries_method_cancel(application, appointment, email_sender, smtp_server):
    _send(application, appointment, type="CANCEL")

    [mail] = smtp_server.messages
    imip = _imip_part(mail.message)
    assert _raw_content_type(imip) == "text/calendar; method=CANCEL; charset=UTF-8"
    assert str(_ics(imip)["METHOD"]) == "CANCEL"


def test_other_attachments_are_attached_as_they_are(email_sender, smtp_server):
    get_backend("EMAIL").send(
        EmailMessage(
            to="bobby@example.com",
            from_email="Acme <no-reply@acme.example>",
            subject="Files",
            text_body="see attached",
            attachments=(
                ("notes.txt", "Grüße".encode(), "text/plain; charset=utf-8"),
                ("plain.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
            ),
        )
    )

    [mail] = smtp_server.messages
    assert mail.attachments() == [
        ("notes.txt", "Grüße".encode(), "text/plain"),
        ("plain.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
    ]
    # A calendar file without a method is no invitation: nothing is added among the alternatives.
    assert mail.message.get_content_type() == "multipart/mixed"
    assert [part.get_filename() for part in _calendar_parts(mail.message)] == ["plain.ics"]
    for part in _parts(mail.message):
        assert _raw_content_type(part).lower().count("charset") <= 1


def _raw_content_type(part) -> str:
    """The Content-Type as it came over the wire, unfolded (the parsed header merges repeated parameters)."""
    [value] = [value for name, value in part.raw_items() if name.lower() == "content-type"]
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


def _ics_text(message, filename: str) -> str:
    [part] = [part for part in _parts(message) if part.get_filename() == filename]
    return part.get_payload(decode=True).decode().replace("\r\n", "\n")
