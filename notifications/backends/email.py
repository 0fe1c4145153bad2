"""Email through Django's mail API: multipart text + HTML over whatever EMAIL_BACKEND is set."""

import smtplib
from email.utils import make_msgid, parseaddr

from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.backends.base import BaseBackend, DeliveryError, EmailMessage, SendResult


class DjangoEmailBackend(BaseBackend):
    """Send with Django's configured mail connection (SMTP in production, console in development)."""

    def send(self, message: EmailMessage) -> SendResult:
        domain = parseaddr(message.from_email)[1].rpartition("@")[2] or None
        message_id = make_msgid(domain=domain)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text_body,
            from_email=message.from_email,
            to=[message.to],
            headers={**message.headers, "Message-ID": message_id},
            connection=get_connection(fail_silently=False),
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        for filename, content, mimetype in message.attachments:
            email.attach(filename, content, mimetype)
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise _classified(code, reason) from exc
        except smtplib.SMTPResponseException as exc:
            raise _classified(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Lost connections, refused connections and timeouts pass with time.
            raise DeliveryError(f"mail server unreachable: {exc}", permanent=False) from exc
        return SendResult(provider_id=message_id)


def _classified(code: int, reason) -> DeliveryError:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    # SMTP's own rule: 4xx is a transient failure, 5xx a permanent one.
    return DeliveryError(f"mail server answered {code} {text}", permanent=code >= 500, code=code, status=code)
