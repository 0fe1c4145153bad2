"""What every channel backend sends, returns and raises, and how settings choose one.

A backend is a small class with one method, `send(message) -> SendResult`,
chosen by a dotted path in settings.NOTIFICATION_BACKENDS (like EMAIL_BACKEND).
It talks to one provider and classifies every failure as retryable or
permanent, so that the delivery pipeline knows whether to try again.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from core.errors import ServiceUnavailable


class DeliveryError(Exception):
    """The provider did not take the message.

    `permanent` failures (a bad number, a refused mailbox, a 4xx from a webhook)
    will fail again if retried; the others (timeouts, 429, 5xx) may pass later.
    `code` is the provider's own error code where it has one (Twilio's 21610 means
    the recipient has opted out), `status` the HTTP or SMTP status.
    """

    def __init__(
        self, message: str, *, permanent: bool, code: int | str | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.status = status

    @property
    def retryable(self) -> bool:
        return not self.permanent


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message; `provider_id` is its reference for it."""

    provider_id: str


@dataclass(frozen=True)
class EmailMessage:
    to: str
    from_email: str  # "From Name <no-reply@domain>"
    subject: str
    text_body: str
    html_body: str = ""
    # (filename, content, mimetype), e.g. the appointment's .ics
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    from_number: str  # E.164
    body: str
    # Where Twilio posts the message's later status (delivered, undelivered, failed); "" for none.
    status_callback: str = ""


@dataclass(frozen=True)
class WebhookMessage:
    url: str
    secret: str
    event: str
    payload: dict[str, Any]  # the JSON body: {"event": ..., "appointment": {...}}
    delivery_id: str
    headers: dict[str, str] = field(default_factory=dict)  # the appointment's notificationHeaders


# What the pipeline hands a backend; each backend takes the one of its channel.
Message = EmailMessage | SmsMessage | WebhookMessage


class BaseBackend(ABC):
    """One channel's provider: sends a message or raises DeliveryError(permanent=...)."""

    @abstractmethod
    def send(self, message: Any) -> SendResult: ...


def get_backend(channel: str) -> BaseBackend:
    """The configured backend of a channel ("EMAIL", "SMS", "WEBHOOK"); 404 when switched off."""
    path = settings.NOTIFICATION_BACKENDS.get(channel)
    if not path:
        raise ServiceUnavailable(f"the {channel} notification channel is not configured")
    return import_string(path)()
