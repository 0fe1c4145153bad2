"""What every channel backend sends, returns and raises, and how settings choose one.

A backend is a small class with one method, `send(message) -> SendResult`,
chosen by a dotted path in settings.NOTIFICATION_BACKENDS (like EMAIL_BACKEND).
It talks to one provider and classifies every failure as retryable or
permanent, so that the delivery pipeline knows whether to try again.
"""

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
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
    """One channel's provider: sends a message or raises DeliveryError(permanent=...).

    A backend lives as long as its thread (get_backend), so HTTP sessions stay alive
    between messages. Between open() and close() it may also keep a connection open
    that a single send would close (SMTP): the pipeline opens it for a batch.
    """

    def open(self) -> None:  # noqa: B027 (optional, like Django's BaseEmailBackend.open)
        """Start a batch: connections may stay open until close()."""

    def close(self) -> None:  # noqa: B027 (optional)
        """End a batch: close what open() kept; never raises."""

    @abstractmethod
    def send(self, message: Any) -> SendResult: ...


_backends = threading.local()
_generation = [0]  # bumped when settings change: every thread then makes its backends anew


def get_backend(channel: str) -> BaseBackend:
    """The configured backend of a channel ("EMAIL", "SMS", "WEBHOOK"); 404 when switched off.

    One instance per thread and dotted path, so that keep-alive connections are reused.
    """
    path = settings.NOTIFICATION_BACKENDS.get(channel)
    if not path:
        raise ServiceUnavailable(f"the {channel} notification channel is not configured")
    if getattr(_backends, "generation", None) != _generation[0]:
        _backends.generation, _backends.by_path = _generation[0], {}
    cache: dict[str, BaseBackend] = _backends.by_path
    if path not in cache:
        cache[path] = import_string(path)()
    return cache[path]


@contextmanager
def backend_batch(channel: str) -> Iterator[BaseBackend]:
    """The channel's backend, opened for a batch of messages and closed after it."""
    backend = get_backend(channel)
    backend.open()
    try:
        yield backend
    finally:
        backend.close()


def _forget_backends(**kwargs: Any) -> None:
    """Backends read settings when made: a changed setting (tests, mostly) makes new ones."""
    _generation[0] += 1


setting_changed.connect(_forget_backends)
