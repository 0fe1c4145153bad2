"""SMS through Twilio's SDK, or into the log when no Twilio account is configured."""

import logging
import uuid
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.backends.base import BaseBackend, DeliveryError, SendResult, SmsMessage
from participants.contacts import normalize_phone

logger = logging.getLogger(__name__)

TWILIO_API_ORIGIN = "https://api.twilio.com"

# Twilio error codes that fail the same way on every retry.
INVALID_NUMBER = 21211
UNSUBSCRIBED = 21610  # the recipient answered STOP: an opt-out, not a glitch
PERMANENT_CODES = frozenset({INVALID_NUMBER, 21214, 21217, 21408, 21612, 21614, UNSUBSCRIBED})


class OriginRewritingHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending to another origin (a staging proxy, or a fake in tests)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        self._scheme, self._netloc, self._prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


class TwilioSmsBackend(BaseBackend):
    """Twilio's Messages API; one instance a thread (get_backend), so its HTTP session stays alive."""

    def __init__(self):
        origin = settings.TWILIO_API_BASE_URL or TWILIO_API_ORIGIN
        # The environment's proxy settings are read once, not scanned again on every request.
        http_client_options = {
            "timeout": settings.NOTIFICATIONS_SMS_TIMEOUT,
            "proxy": requests.utils.get_environ_proxies(origin),
        }
        if settings.TWILIO_API_BASE_URL:
            http_client = OriginRewritingHttpClient(settings.TWILIO_API_BASE_URL, **http_client_options)
        else:
            http_client = TwilioHttpClient(**http_client_options)
        if http_client.session is not None:
            http_client.session.trust_env = False
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)

    def send(self, message: SmsMessage) -> SendResult:
        to = _e164(message.to, "recipient")
        from_number = _e164(message.from_number, "sender")
        options = {"status_callback": message.status_callback} if message.status_callback else {}
        try:
            sent = self.client.messages.create(to=to, from_=from_number, body=message.body, **options)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _classified(exc) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise DeliveryError(f"Twilio unreachable: {exc}", permanent=False) from exc
        return SendResult(provider_id=sent.sid)


class LogSmsBackend(BaseBackend):
    """Development default: write the message to the log instead of sending it."""

    def send(self, message: SmsMessage) -> SendResult:
        to = _e164(message.to, "recipient")
        if settings.DEBUG:  # a developer's own machine (bin/dev): the text, one-time codes included
            logger.info("SMS from %s to %s:\n%s", message.from_number, to, message.body)
        else:  # anywhere else a log is no place for a code or a customer's message
            logger.info(
                "SMS from %s to %s (%s characters, not logged)", message.from_number, to, len(message.body)
            )
        return SendResult(provider_id=f"log-{uuid.uuid4()}")


def _e164(number: str, role: str) -> str:
    try:
        return normalize_phone(number)
    except ValueError as exc:
        raise DeliveryError(f"{role} number {number!r}: {exc}", permanent=True, code=INVALID_NUMBER) from None


def _classified(exc: TwilioRestException | TwilioServiceException) -> DeliveryError:
    status, code = exc.status, exc.code
    text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "")
    retryable = status == 429 or status >= 500
    permanent = code in PERMANENT_CODES or not retryable
    return DeliveryError(
        f"Twilio answered {status} (code {code}): {text}", permanent=permanent, code=code, status=status
    )
