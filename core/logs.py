"""Log lines that carry their context: request id, application, delivery; JSON in production.

`log_context(**fields)` binds fields for the code inside it (a context variable, so
threads and tasks each keep their own); `LogContextFilter` copies them onto every
record a handler emits, whoever logged it. Only ids belong in the context: no phone
numbers, addresses, names, codes or tokens. `JsonFormatter` writes one JSON object
a line and, as a last guard, masks anything shaped like an email address or an
international phone number in the message and traceback.
"""

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

# The fields a line may carry besides the standard ones, in the order they are written.
CONTEXT_FIELDS = (
    "request_id",
    "application_id",
    "delivery_id",
    "appointment_id",
    "channel",
    "type",
    "attempt",
    "task",
    "task_id",
)

_context: ContextVar[Mapping[str, Any]] = ContextVar("log_context", default={})  # noqa: B039 (never mutated)
# The request being served, so a line logged after authentication names its application.
_request: ContextVar[Any] = ContextVar("log_request", default=None)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` (ids only) to every line logged inside the block; None values are left out."""
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a log context field: {', '.join(sorted(unknown))}")
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def log_context_fields() -> dict[str, Any]:
    """The fields bound here and now, the request's application included."""
    fields = dict(_context.get())
    request = _request.get()
    if request is not None and "application_id" not in fields:
        application_id = _principal_application_id(request)
        if application_id is not None:
            fields["application_id"] = application_id
    return fields


@contextmanager
def log_request(request: Any) -> Iterator[None]:
    """Remember the request being served (core.request_id sets it), for its application id."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def _principal_application_id(request: Any) -> Any:
    # DRF stores the authenticated principal on the Django request as `user`; the admin's
    # lazy user is never evaluated here (that would query the session in a log call).
    user = getattr(request, "__dict__", {}).get("user")
    if user is None or type(user).__name__ == "SimpleLazyObject":
        return None
    return getattr(user, "application_id", None)


class LogContextFilter(logging.Filter):
    """Copy the bound context onto the record (as attributes), so any formatter can write it."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = log_context_fields()
        request = getattr(record, "request", None)
        if request is not None and "request_id" not in fields:
            # django.request logs a response after the middleware have returned, naming its request.
            fields["request_id"] = getattr(request, "request_id", None)
            fields.setdefault("application_id", _principal_application_id(request))
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, fields.get(name))
        if not hasattr(record, "role"):
            record.role = process_role()
        return True


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# "+" and 8 to 15 digits, spaces or dashes allowed between them: E.164 and its common spellings.
_PHONE = re.compile(r"\+\d(?:[\s-]?\d){7,14}")


def scrub(text: str) -> str:
    """Mask email addresses and international phone numbers in `text`."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


_ROLE: list[str] = []


def process_role() -> str:
    """web, worker, beat or the management command this process runs, from its command line."""
    if not _ROLE:
        _ROLE.append(_role_from(sys.argv))
    return _ROLE[0]


def process_role_set(role: str) -> None:
    """Name this process's role (Celery's start-up signals know it for sure)."""
    _ROLE[:] = [role]


def _role_from(argv: list[str]) -> str:
    words = [word for word in argv if not word.startswith("-")]
    # `celery -A config worker`, `python -m celery ...` (argv[0] is celery/__main__.py)
    if any("celery" in word for word in words[:2]):
        return "beat" if "beat" in words else "worker"
    if words and words[0].endswith("manage.py") and len(words) > 1 and words[1] != "runserver":
        return words[1]
    return "web"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, role, message, the context fields, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "role": getattr(record, "role", None) or process_role(),
            "message": scrub(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value if isinstance(value, int | float | bool) else str(value)
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            line["http"] = http
        if record.exc_info:
            line["exc"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc"] = scrub(record.exc_text)
        # orjson: a line per request is written, and it is several times faster than json.dumps.
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """The readable development line, with the context fields that are set as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(
            f"{name}={getattr(record, name)}"
            for name in CONTEXT_FIELDS
            if getattr(record, name, None) is not None
        )
        if not fields:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [{fields}]{newline}{rest}"
