"""Oversized and deeply nested bodies are refused in the envelope, before any authentication."""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient

from appointments.models import Appointment
from tests.appointments.helpers import schedule_body

pytestmark = pytest.mark.django_db

SIX_MB = 6 * 1024 * 1024
ID = uuid.uuid4()
PID = uuid.uuid4()

# One route per body-taking operation of every app, and the unauthenticated ones.
BODY_ROUTES = [
    ("post", "/api/appointments/"),
    ("put", "/api/appointments/"),
    ("put", "/api/appointments/reschedule/"),
    ("put", "/api/appointments/reassign/"),
    ("post", "/api/appointments/participants/agents/"),
    ("post", "/api/appointments/participants/customers/"),
    ("put", f"/api/appointments/{ID}/participants/{PID}"),
    ("post", "/api/appointments/basic"),
    ("post", "/api/appointments/basic/otp"),
    ("post", "/api/notifications/emails/verify"),
    ("post", "/api/notifications/emails/confirm"),
    ("post", "/api/notifications/emails/test"),
    ("post", "/api/notifications/sms/verify"),
    ("post", "/api/notifications/sms/confirm"),
    ("post", "/api/notifications/sms/test"),
    ("post", "/api/notifications/templates/"),
    ("put", f"/api/notifications/templates/{ID}"),
    ("post", "/api/notifications/webhooks/"),
    ("patch", f"/api/notifications/webhooks/{ID}"),
]


def _oversized_json() -> str:
    return json.dumps({"metadata": {"padding": "a" * SIX_MB}})


def _assert_too_large(response, limit: int) -> None:
    assert response.status_code == 413, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == 413
    assert body["error"] == "PayloadTooLarge"
    assert str(limit) in body["message"]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-token", "Basic bm8tc3VjaDpjb2Rl", None], ids=["bearer", "basic", "none"]
)
def test_an_oversized_body_is_a_413_before_authentication(method, path, authorization, settings):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = getattr(client, method)(path, _oversized_json(), content_type="application/json")

    _assert_too_large(response, settings.API_MAX_BODY_BYTES)


def test_an_oversized_form_body_is_a_413_too(settings):
    response = APIClient().post(
        "/api/notifications/twilio/status",
        "MessageSid=" + "a" * SIX_MB,
        content_type="application/x-www-form-urlencoded",
    )

    _assert_too_large(response, settings.API_MAX_BODY_BYTES)


def test_an_oversized_body_is_json_with_debug_on(settings):
    settings.DEBUG = True

    response = APIClient().post("/api/appointments/", _oversized_json(), content_type="application/json")

    _assert_too_large(response, settings.API_MAX_BODY_BYTES)


def test_django_reads_no_more_than_the_api_allows(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.API_MAX_BODY_BYTES == 1024 * 1024


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.API_MAX_BODY_BYTES, s.DATA_UPLOAD_MAX_MEMORY_SIZE, s.API_MAX_JSON_DEPTH)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_limits_are_read_from_the_environment_and_bad_ones_stop_start_up():
    read = _settings_with({"API_MAX_BODY_BYTES": "2048", "API_MAX_JSON_DEPTH": "16"})
    refused = _settings_with({"API_MAX_JSON_DEPTH": "5000"})

    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["2048", "2048", "16"]
    assert refused.returncode != 0
    assert "API_MAX_JSON_DEPTH" in refused.stderr


def _padded_to(body: dict, size: int) -> str:
    """The body as JSON, with trailing whitespace up to exactly `size` bytes."""
    text = json.dumps(body)
    return text + " " * (size - len(text.encode()))


def test_a_body_at_the_limit_is_accepted(application, client_for, settings):
    text = _padded_to(schedule_body(application), settings.API_MAX_BODY_BYTES)

    response = client_for("ROLE_AGENT").post("/api/appointments/", text, content_type="application/json")

    assert response.status_code == 200, response.json()
    assert Appointment.objects.count() == 1


def test_one_byte_past_the_limit_is_refused(application, client_for, settings):
    text = _padded_to(schedule_body(application), settings.API_MAX_BODY_BYTES + 1)

    response = client_for("ROLE_AGENT").post("/api/appointments/", text, content_type="application/json")

    _assert_too_large(response, settings.API_MAX_BODY_BYTES)
    assert not Appointment.objects.exists()


def test_the_limit_is_a_setting(application, client_for, settings):
    settings.API_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    text = _padded_to(schedule_body(application), 2001)

    response = client_for("ROLE_AGENT").post("/api/appointments/", text, content_type="application/json")

    _assert_too_large(response, 2000)


# --- bodies without a (truthful) Content-Length, through Django's ASGI handler ---


def _asgi(path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, dict, bytes]:
    """Send one request through Django's ASGI handler in `chunks`; return status, headers, body.

    As Django's test client does, the handler is kept from closing the test's database
    connection around the request (it runs inside the test's transaction).
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        return async_to_sync(_asgi_exchange)(path, chunks, headers)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


async def _asgi_exchange(path, chunks, headers):
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    answered = asyncio.Event()
    sent: list[dict] = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await answered.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await ASGIHandler()(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def _chunks_of(text: str, size: int = 1024 * 1024) -> list[bytes]:
    data = text.encode()
    return [data[offset : offset + size] for offset in range(0, len(data), size)]


def test_a_chunked_body_without_content_length_is_a_413_before_authentication(settings):
    status, headers, body = _asgi(
        "/api/appointments/",
        _chunks_of(_oversized_json()),
        [(b"transfer-encoding", b"chunked"), (b"authorization", b"Bearer not-a-token")],
    )

    envelope = json.loads(body)
    assert status == 413
    assert headers[b"Content-Type"].startswith(b"application/json")
    assert (envelope["status"], envelope["error"]) == (413, "PayloadTooLarge")
    assert str(settings.API_MAX_BODY_BYTES) in envelope["message"]


def test_a_body_longer_than_its_content_length_says_is_a_413(make_token, settings):
    status, headers, body = _asgi(
        "/api/appointments/",
        _chunks_of(_oversized_json()),
        [(b"content-length", b"100"), (b"authorization", f"Bearer {make_token('ROLE_AGENT')}".encode())],
    )

    envelope = json.loads(body)
    assert status == 413
    assert (envelope["status"], envelope["error"]) == (413, "PayloadTooLarge")
    assert str(settings.API_MAX_BODY_BYTES) in envelope["message"]
