"""Errors the notification services raise beyond core.errors."""

from core.errors import DomainError
from notifications.backends.base import DeliveryError


class DeliveryFailed(DomainError):
    """A message sent while the caller waits was not taken by the provider (502)."""

    status = 502

    def __init__(self, error: DeliveryError):
        super().__init__(f"the provider did not take the message: {error.message}")
        self.error = error
