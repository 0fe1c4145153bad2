"""Prometheus metrics: the process-wide ones, their exposition, and who may read it.

Counters and histograms are prometheus-client objects. With PROMETHEUS_MULTIPROC_DIR
set (before this module is imported), each process writes its values to files in
that folder and an exposition sums every process's files: gunicorn's workers, or a
Celery worker's pool processes. Without it, the values live in this process only.

Gauges that describe shared state (the outbox backlog, the age of the last tick) are
not kept by any process: higher apps register a *scrape collector* that reads them
from the database when /metrics is scraped, so every scrape is right whichever
process answers it. docs/operations.md has the metric list and the scrape setup.
"""

import hmac
import ipaddress
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import ThreadingWSGIServer, choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)


def multiproc_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


# Every metric writes its file there from its first value on: the folder must exist before any
# metric is made (apps that define metrics import this module first).
if multiproc_dir():
    os.makedirs(str(multiproc_dir()), exist_ok=True)

HTTP_REQUESTS = Counter(
    "appointments_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "appointments_http_request_duration_seconds",
    "Time from the first middleware to the response, by route template and method.",
    ["route", "method"],
)
ONE_TIME_CODES_SENT = Counter(
    "appointments_one_time_codes_sent_total",
    "One-time codes sent: to customers (purpose=customer) or to verify a sender (purpose=sender).",
    ["purpose", "channel"],
)
ONE_TIME_CODES_REFUSED = Counter(
    "appointments_one_time_code_lockouts_total",
    "One-time code requests or guesses refused by a limit, by purpose and reason.",
    ["purpose", "reason"],
)


def one_time_code_sent(*, purpose: str, channel: str) -> None:
    ONE_TIME_CODES_SENT.labels(purpose=purpose, channel=channel).inc()


def one_time_code_refused(*, purpose: str, reason: str) -> None:
    ONE_TIME_CODES_REFUSED.labels(purpose=purpose, reason=reason).inc()


# --- exposition -------------------------------------------------------------------

# Read at scrape time by the web's /metrics only (a worker's endpoint would repeat them).
_scrape_collectors: list[Any] = []


def scrape_collector_register(collector: Any) -> None:
    """Add a collector (an object with `collect()` yielding metric families) to the web's /metrics."""
    # One of each kind: an AppConfig.ready() that runs again must not double the gauges.
    _scrape_collectors[:] = [known for known in _scrape_collectors if type(known) is not type(collector)]
    _scrape_collectors.append(collector)


class _Exposition:
    """What one scrape reports: this process's metrics, or every process's through the folder."""

    def __init__(self, *, scrape_collectors: bool, folder: str | None) -> None:
        self.scrape_collectors = scrape_collectors
        self.folder = folder

    def collect(self) -> Iterator[Metric]:
        if self.folder:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.folder)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        if self.scrape_collectors:
            for collector in list(_scrape_collectors):
                yield from collector.collect()


def metrics_exposition(
    *, accept: str = "", scrape_collectors: bool = True, folder: str | None = None
) -> tuple[bytes, str]:
    """The metrics in the text format `accept` asks for, and its content type."""
    encoder, content_type = choose_encoder(accept)
    source = _Exposition(scrape_collectors=scrape_collectors, folder=folder or multiproc_dir())
    return encoder(source), content_type


# --- who may read it ----------------------------------------------------------------

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def metrics_access_allowed(environ: dict[str, Any]) -> bool:
    """An address in METRICS_ALLOWED_ADDRESSES that came direct, or the METRICS_BEARER_TOKEN.

    A request relayed by a proxy carries the proxy's address: on the same host that would be
    loopback, so a request bearing a forwarding header is judged by the token alone.
    """
    token = settings.METRICS_BEARER_TOKEN
    if token:
        offered = str(environ.get("HTTP_AUTHORIZATION", ""))
        if offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].encode(), token.encode()):
            return True
    if any(environ.get(header) for header in _PROXY_HEADERS):
        return False
    return _address_allowed(str(environ.get("REMOTE_ADDR", "")))


def _address_allowed(remote: str) -> bool:
    try:
        address = ipaddress.ip_address(remote.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(allowed, strict=False) for allowed in _allowed_networks())


def _allowed_networks() -> list[str]:
    return list(settings.METRICS_ALLOWED_ADDRESSES)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics for the web process (and the pipeline's gauges, read from the database)."""
    if not metrics_access_allowed(request.META):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    body, content_type = metrics_exposition(accept=request.headers.get("Accept", ""))
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


# --- a Celery worker's own endpoint ------------------------------------------------


def _worker_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") not in ("/metrics", "/"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    if not metrics_access_allowed(environ):
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"forbidden\n"]
    body, content_type = metrics_exposition(accept=environ.get("HTTP_ACCEPT", ""), scrape_collectors=False)
    start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-store")])
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        """Scrapes every few seconds would drown the worker's log."""


def worker_metrics_server_start(*, port: int, address: str) -> ThreadingWSGIServer:
    """Serve this process tree's metrics on address:port from a daemon thread; the server."""
    server = make_server(address, port, _worker_app, ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    logger.info("metrics served on %s:%s/metrics", address, server.server_port)
    return server


def multiproc_dir_reset() -> None:
    """Empty the multiprocess folder at start-up: files of processes that are gone would count forever."""
    folder = multiproc_dir()
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))
