"""Liveness (/healthz) and readiness (/readyz), answered before host checks, redirects and sessions.

/healthz is cheap: the process runs and its database answers. /readyz runs every
registered readiness check (the database, the broker, and whatever higher apps add,
such as the notifications app's beat freshness) and answers JSON with each check's
result and latency; 503 when one fails, naming it.

`ProbeMiddleware` answers /healthz, /readyz and /metrics ahead of the rest of the
stack: a container's healthcheck or a Prometheus scrape asks by address (Host
127.0.0.1:8000, or the container's name), which ALLOWED_HOSTS need not list, and must
not be redirected to HTTPS by SECURE_SSL_REDIRECT. These three answers build no URL
from the Host header, which is what the host check protects.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu import Connection

from core.metrics import metrics_view

logger = logging.getLogger(__name__)

# A check returns None when all is well, or raises / returns the reason it is not.
ReadinessCheck = Callable[[], str | None]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    milliseconds: float
    error: str = ""


_checks: dict[str, ReadinessCheck] = {}


def readiness_check_register(name: str, check: ReadinessCheck) -> None:
    """Add a check to /readyz (a higher app calls this from its AppConfig.ready())."""
    _checks[name] = check


def database_check() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def broker_check() -> str | None:
    """A network broker (Redis) accepts a connection in time; the filesystem broker's folders take a file."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return _broker_folders_check(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    timeout = settings.READINESS_CHECK_TIMEOUT_SECONDS
    with Connection(
        url, connect_timeout=timeout, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    return None


def _broker_folders_check(options: dict) -> str | None:
    # The embedded broker is a folder: it is "up" while a message can be written there.
    for key in ("data_folder_out", "data_folder_in"):
        folder = Path(options.get(key) or ".")
        probe = folder / f".readyz-{uuid.uuid4().hex}"
        try:
            folder.mkdir(parents=True, exist_ok=True)  # as the Celery app does before its first message
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            return f"{key} is not writable: {exc.strerror or type(exc).__name__}"
    return None


readiness_check_register("database", database_check)
readiness_check_register("broker", broker_check)


def readiness_run() -> list[CheckResult]:
    """Run every registered check, each timed; an exception is a failure named by its type and message."""
    results = []
    for name, check in list(_checks.items()):
        started = time.perf_counter()
        try:
            error = check()
        except Exception as exc:  # any failure of a dependency is "not ready", never a 500
            error = f"{type(exc).__name__}: {exc}"[:300]
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        results.append(CheckResult(name=name, ok=error is None, milliseconds=elapsed, error=error or ""))
    return results


def readyz(request: HttpRequest) -> JsonResponse:
    results = readiness_run()
    failing = [result.name for result in results if not result.ok]
    if failing:
        logger.warning("not ready: %s", ", ".join(failing))
    checks = {
        result.name: {
            "ok": result.ok,
            "ms": result.milliseconds,
            **({"error": result.error} if result.error else {}),
        }
        for result in results
    }
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, 503 otherwise."""
    try:
        database_check()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


_PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics_view,
}


class ProbeMiddleware:
    """Answer GET/HEAD of the probe paths at once; everything else goes on down the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = _PROBES.get(request.path_info)
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        request.metrics_route = request.path_info.lstrip("/")  # type: ignore[attr-defined]
        response = probe(request)
        response["Cache-Control"] = "no-store"
        # Said once by the probe itself (and in the access line): not again as a django.request error
        # per failing healthcheck, which error reporting would count as events.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
