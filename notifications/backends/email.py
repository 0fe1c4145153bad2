"""Email through Django's mail API: multipart text + HTML over whatever EMAIL_BACKEND is set.

A calendar attachment whose type carries a method (`text/calendar; method=REQUEST`,
what calendars.attachments gives) is an iMIP invitation. It goes out twice, as
calendar clients expect: inline among the alternatives with the Content-Type
`text/calendar; method=REQUEST; charset=UTF-8`, which Outlook, Apple Mail and
Gmail turn into "accept / decline", and as the `invite.ics` file, which anyone
can import by hand.
"""

import contextlib
import smtplib
import uuid
from email.message import Message
from email.utils import make_msgid, parseaddr
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection

from calendars.attachments import imip_mimetype
from notifications.backends.base import BaseBackend, DeliveryError, EmailMessage, SendResult

CALENDAR_TYPE = "text/calendar"


class DjangoEmailBackend(BaseBackend):
    """Send with Django's configured mail connection (SMTP in production, console in development).

    Outside a batch each message opens and closes its own connection; between open()
    and close() one connection carries them all, and is opened again after a failure.
    """

    def __init__(self) -> None:
        self._in_batch = False
        self._connection: Any = None

    def open(self) -> None:
        self._in_batch = True

    def close(self) -> None:
        self._in_batch = False
        self._drop_connection()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # the server may have gone already
                self._connection.close()
            self._connection = None

    def _connection_for(self) -> Any:
        if not self._in_batch:
            return get_connection(fail_silently=False)
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
            self._connection.open()
        return self._connection

    def send(self, message: EmailMessage) -> SendResult:
        try:
            return self._send(message)
        except DeliveryError as exc:
            if not exc.permanent or exc.status is None:
                self._drop_connection()  # a lost or confused connection: the next message opens a new one
            raise

    def _send(self, message: EmailMessage) -> SendResult:
        email, message_id = email_of(message)
        try:
            email.connection = self._connection_for()
            email.send()  # an open connection stays open; one made for this message is closed
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise _classified(code, reason) from exc
        except smtplib.SMTPResponseException as exc:
            raise _classified(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Lost connections, refused connections and timeouts pass with time.
            raise DeliveryError(f"mail server unreachable: {exc}", permanent=False) from exc
        return SendResult(provider_id=message_id)


def email_of(message: EmailMessage) -> tuple["_Email", str]:
    """The Django email a message becomes, and its new Message-ID."""
    domain = parseaddr(message.from_email)[1].rpartition("@")[2] or None
    message_id = make_msgid(domain=domain)
    email = _Email(
        subject=message.subject,
        body=message.text_body,
        from_email=message.from_email,
        to=[message.to],
        headers={**message.headers, "Message-ID": message_id},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for filename, content, mimetype in message.attachments:
        _attach(email, filename, content, mimetype)
    return email, message_id


class _Email(EmailMultiAlternatives):
    """Django's email, whose inline calendar alternative carries the iMIP method in its Content-Type."""

    calendar_method: str | None = None

    def message(self, *args, **kwargs):
        mime = super().message(*args, **kwargs)
        for part in mime.walk():
            if part.is_multipart() and part.get_boundary() is None:
                # Python's generator would pick a boundary by compiling a fresh regular
                # expression to search the whole text for it: a tenth of an email's CPU.
                # 128 random bits cannot occur in the text by chance.
                part.set_boundary(f"=_{uuid.uuid4().hex}")
            # The attachment has a file name; the inline invitation has none.
            elif (
                self.calendar_method
                and part.get_content_type() == CALENDAR_TYPE
                and part.get_filename() is None
            ):
                # Django would add its own charset to any parameters given: write the header whole.
                part.replace_header("Content-Type", imip_mimetype(self.calendar_method.upper()))
        return mime


def _attach(email: _Email, filename: str, content: bytes, mimetype: str) -> None:
    content_type, params = _parsed_type(mimetype)
    body: bytes | str = content
    if content_type.startswith("text/"):
        # Django re-encodes text in UTF-8 and names that charset itself; bytes it cannot
        # read as UTF-8 it sends as application/octet-stream.
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            body = content.decode(params.get("charset", "utf-8"))
    method = params.get("method")
    if content_type == CALENDAR_TYPE and method and email.calendar_method is None:
        email.calendar_method = method
        email.attach_alternative(body, CALENDAR_TYPE)
    # Only the content type: Django adds the charset, and a method on the file would make a second invitation.
    email.attach(filename, body, content_type)


def _parsed_type(mimetype: str) -> tuple[str, dict[str, str]]:
    """("text/calendar", {"method": "REQUEST", "charset": "utf-8"}) from a Content-Type value."""
    header = Message()
    header["Content-Type"] = mimetype
    params = header.get_params() or []
    return header.get_content_type(), {str(key).lower(): str(value) for key, value in params[1:]}


def _classified(code: int, reason) -> DeliveryError:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    # SMTP's own rule: 4xx is a transient failure, 5xx a permanent one.
    return DeliveryError(f"mail server answered {code} {text}", permanent=code >= 500, code=code, status=code)
