"""Error reports: nothing without SENTRY_DSN; with it, events reach Sentry with personal data scrubbed."""

import gzip
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sentry_sdk

from core.sentry import event_scrub

ROOT = Path(__file__).resolve().parents[2]


class _SentryFake(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def sentry_fake():
    _SentryFake.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SentryFake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, _SentryFake.received
    server.shutdown()
    server.server_close()


_REPORTING_PROCESS = """
import logging, django, sentry_sdk
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
assert sentry_sdk.get_client().is_active()
try:
    raise ValueError("no mailbox for bob.secret@example.com at +306931221100")
except ValueError:
    logging.getLogger("notifications.pipeline").exception("delivery 7 not sent to bob.secret@example.com")
Client().get("/healthz?email=bob.secret@example.com", HTTP_COOKIE="sessionid=s3cr3t-cookie")
sentry_sdk.flush(timeout=10)
print("flushed")
"""


def test_with_a_dsn_errors_are_reported_without_personal_data(sentry_fake):
    server, received = sentry_fake
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_port}/42",
        "SENTRY_ENVIRONMENT": "ci",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", _REPORTING_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.strip().endswith("flushed"), result.stderr
    events = [body for body in received if b'"type":"event"' in body or b'"exception"' in body]
    assert events, received
    report = b"\n".join(events).decode()
    assert "ValueError" in report and '"environment":"ci"' in report
    assert "no mailbox for [email] at [phone]" in report
    for secret in ("bob.secret@example.com", "6931221100", "s3cr3t-cookie"):
        assert secret not in report


def test_without_a_dsn_the_sdk_is_never_started(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


def test_scrubbing_drops_bodies_cookies_queries_and_locals():
    event = {
        "request": {
            "url": "https://api.example/api/appointments/basic?email=bob@example.com",
            "data": {"contact": "bob@example.com"},
            "cookies": {"sessionid": "x"},
            "query_string": "email=bob@example.com",
            "headers": {"Authorization": "Basic Ym9i", "X-Request-ID": "r-1", "Cookie": "sessionid=x"},
        },
        "user": {"email": "bob@example.com"},
        "exception": {
            "values": [
                {"value": "to +306931221100", "stacktrace": {"frames": [{"vars": {"code": "123456"}}]}}
            ]
        },
        "breadcrumbs": {
            "values": [{"message": "SELECT ... bob@example.com", "data": {"params": ["123456"]}}]
        },
    }

    scrubbed = event_scrub(event)

    assert scrubbed["request"] == {
        "url": "https://api.example/api/appointments/basic",
        "headers": {"X-Request-ID": "r-1"},
    }
    assert "user" not in scrubbed
    assert scrubbed["exception"]["values"][0]["value"] == "to [phone]"
    assert "vars" not in scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert scrubbed["breadcrumbs"]["values"][0] == {"message": "SELECT ... [email]"}
