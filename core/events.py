"""Events that a lower app announces and a higher app acts on, without either importing the other upward.

The apps are layered (docs/architecture.md): `appointments` may not import
`notifications`, yet every change of an appointment must plan its notifications
in the same transaction. So `appointments` declares an `Event` and publishes to
it; `notifications` subscribes a handler in its `AppConfig.ready()`.

Handlers run at once, in the publisher's thread and transaction, in the order
they subscribed. An exception in a handler propagates to the publisher, so a
change whose follow-up fails rolls back whole. This is deliberately not a Django
signal: nothing fires from `save()`, fixtures or migrations; only the service
that makes the change publishes, explicitly.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

Payload = TypeVar("Payload")


class NoSubscriber(RuntimeError):
    """A required event was published before any app subscribed to it (a configuration error)."""


class Event(Generic[Payload]):
    """A named event carrying one payload object (a frozen dataclass by convention)."""

    def __init__(self, name: str, *, required: bool = False) -> None:
        self.name = name
        # A required event is useless unheard: a one-time code nobody sends.
        self.required = required
        self._handlers: list[Callable[[Payload], None]] = []

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._handlers)} handler(s))"

    def subscribe(self, handler: Callable[[Payload], None]) -> Callable[[Payload], None]:
        """Call `handler(payload)` on every publish; subscribing the same handler twice is a no-op."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def unsubscribe(self, handler: Callable[[Payload], None]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    @property
    def handlers(self) -> tuple[Callable[[Payload], None], ...]:
        return tuple(self._handlers)

    def publish(self, payload: Payload) -> None:
        """Run every handler with `payload`; the first exception stops the rest and propagates."""
        if self.required and not self._handlers:
            raise NoSubscriber(f"no app subscribed to the required event {self.name!r}")
        for handler in tuple(self._handlers):
            handler(payload)
