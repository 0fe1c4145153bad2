"""Every request gets an id: the caller's X-Request-ID when it is a sane token, else a new one.

The id is bound to the log context for the whole request (every line logged while it
is served carries it) and returned in the response's X-Request-ID header, so a
caller, a proxy and our logs can name the same request.
"""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.logs import log_context, log_request

HEADER = "X-Request-ID"
# Letters, digits and . _ : - up to 128: UUIDs, hex ids and most proxies' ids; never spaces,
# quotes or control characters, which could forge a log line.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(offered: str | None) -> str:
    """The caller's id if it is valid, otherwise a fresh one (32 hex digits)."""
    if offered and _VALID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost: binds the id before anything logs, and names it in every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        with log_context(request_id=request_id), log_request(request):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
