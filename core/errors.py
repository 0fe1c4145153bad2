"""Domain errors raised by services and selectors; one API handler maps them to responses."""


class DomainError(Exception):
    """A rule of the domain refused the request."""

    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields


class InvalidInput(DomainError):
    status = 400

    @classmethod
    def for_field(cls, field: str, message: str) -> "InvalidInput":
        return cls(f"{field}: {message}", fields={field: [message]})


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class ServiceUnavailable(DomainError):
    """A channel or provider the request needs is not configured."""

    status = 404
