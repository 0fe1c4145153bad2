"""/metrics: who may read it, what HTTP requests it counts, and sums over processes in multiprocess mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.core.observability import sample, scrape

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-scraper-token-0123456789-abcdefghijklmnopqrstuvwxyz"


def test_loopback_may_read_it_by_default():
    response = Client().get("/metrics")  # the test client's REMOTE_ADDR is 127.0.0.1

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"appointments_http_requests_total" in response.content


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        {"REMOTE_ADDR": "10.1.2.3"},
        # Loopback, but relayed by a proxy on the same host: the client is someone else.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"},
    ],
)
def test_other_addresses_and_proxied_requests_are_refused(extra):
    response = Client().get("/metrics", **extra)

    assert response.status_code == 403
    assert b"appointments_" not in response.content


def test_configured_networks_may_read_it(settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]

    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert Client().get("/metrics").status_code == 403  # loopback is no longer listed


def test_the_bearer_token_admits_any_address_and_only_the_exact_token(settings):
    settings.METRICS_BEARER_TOKEN = TOKEN
    far = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}

    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **far).status_code == 200
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x", **far).status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION=TOKEN, **far).status_code == 403
    assert Client().get("/metrics", **far).status_code == 403


def test_requests_are_counted_by_route_template_not_by_path(client_for):
    client = client_for("ROLE_AGENT")
    before = scrape()
    route = "api/appointments/(?P<id>[^/]+)"  # a re_path: its pattern is the template
    for appointment_id in ("3f2b0c1e-9d4a-4b7e-8f00-123456789abc", "11111111-2222-4333-8444-555555555555"):
        assert client.get(f"/api/appointments/{appointment_id}").status_code == 404
    client.get("/no/such/path/at/all")
    after = scrape()

    labels = {"route": route, "method": "GET", "status": "404"}
    name = "appointments_http_requests_total"
    assert sample(after, name, **labels) - sample(before, name, **labels) == 2
    assert str(3) + "f2b0c1e" not in after  # no path became a label
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert sample(after, name, **unmatched) - sample(before, name, **unmatched) == 1
    histogram = "appointments_http_request_duration_seconds_count"
    timed = {"route": route, "method": "GET"}
    assert sample(after, histogram, **timed) - sample(before, histogram, **timed) == 2


def test_the_probes_answer_whatever_the_host_and_without_an_https_redirect(settings):
    settings.ALLOWED_HOSTS = ["appointments.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    # What a container healthcheck and a Prometheus scrape send: the address as Host.
    assert Client().get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert Client().get("/metrics", HTTP_HOST="web:8000").status_code == 200
    # Everything else still gets Django's host check and redirect.
    assert Client().get("/api/appointments/", HTTP_HOST="127.0.0.1:8000").status_code == 400


_WEB_PROCESS = """
import django; django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
for _ in range({count}):
    assert Client().get("/healthz").status_code == 200
"""

_SCRAPE = """
import django; django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/metrics")
print(response.content.decode())
"""


def _python(script: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_multiprocess_mode_sums_every_process(tmp_path, transactional_db):
    # Two "gunicorn workers" count requests into one folder; a third process answers the scrape.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "testserver",
    }
    _python(_WEB_PROCESS.format(count=3), env)
    _python(_WEB_PROCESS.format(count=4), env)

    text = _python(_SCRAPE, env)

    labels = {"route": "healthz", "method": "GET", "status": "200"}
    assert sample(text, "appointments_http_requests_total", **labels) == 7
    assert sample(text, "appointments_http_request_duration_seconds_count", route="healthz") == 7
    assert len(list(tmp_path.glob("*.db"))) >= 2  # one file set per process
