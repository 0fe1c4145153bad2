"""Count and time every HTTP request by route template (never by path), and log one line for it."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.metrics import HTTP_LATENCY, HTTP_REQUESTS

logger = logging.getLogger("core.http")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A path no route matched: one label for all of them, so a scan cannot grow the series.
UNMATCHED = "<unmatched>"


def request_route(request: HttpRequest) -> str:
    """The URL pattern that served the request ("api/appointments/<uuid:id>"), or a fixed label."""
    route = getattr(request, "metrics_route", None)  # set by the probes, which answer before routing
    if route:
        return str(route)
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        # A re_path's route is its regular expression: its anchors say nothing.
        return str(match.route).lstrip("^").rstrip("$") or "/"
    return UNMATCHED


class HttpMetricsMiddleware:
    """Second outermost (inside the request id): times what every other middleware and view do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = request_route(request)
        method = request.method if request.method in _METHODS else "OTHER"
        HTTP_REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(route=route, method=method).observe(seconds)
        # The route, never the path or query: those may hold contact details. Probes (healthchecks,
        # scrapes every few seconds) are counted, but their line is DEBUG, out of the way.
        logger.log(
            logging.DEBUG if getattr(request, "metrics_route", None) else logging.INFO,
            "%s %s %s %.1fms",
            method,
            route,
            response.status_code,
            seconds * 1000,
            extra={
                "http": {
                    "method": method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                }
            },
        )
        return response
