"""The webhook backend against a loopback receiver: signature, headers, failure classes, address guard."""

import hashlib
import hmac
import json
import socket
import time
import uuid

import pytest

from notifications.backends.base import DeliveryError, WebhookMessage
from notifications.backends.webhook import RequestsWebhookBackend, is_public_address

SECRET = "whsec-0123456789abcdef"


def _message(url: str, **overrides) -> WebhookMessage:
    fields = {
        "url": url,
        "secret": SECRET,
        "event": "CREATE",
        "payload": {"event": "CREATE", "appointment": {"id": "f46f165d", "title": "Καλημέρα review"}},
        "delivery_id": str(uuid.uuid4()),
        "headers": {"x-channel": "widget"},
    }
    return WebhookMessage(**{**fields, **overrides})


def _expected_signature(timestamp: str, body: bytes) -> str:
    # Computed here as a receiver would, independently of the backend's own helper.
    return hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_posts_signed_json_with_the_appointments_headers(webhook_receiver):
    message = _message(webhook_receiver.url())

    result = RequestsWebhookBackend().send(message)

    [request] = webhook_receiver.requests
    headers = request.headers
    assert request.path == "/hooks/appointments"
    assert request.json() == {
        "event": "CREATE",
        "appointment": {"id": "f46f165d", "title": "Καλημέρα review"},
    }
    assert headers["content-type"] == "application/json"
    assert headers["x-channel"] == "widget"
    assert headers["x-webhook-event"] == "CREATE"
    assert headers["x-delivery-id"] == message.delivery_id
    assert abs(int(headers["x-signature-timestamp"]) - time.time()) < 10
    assert headers["x-signature"] == _expected_signature(headers["x-signature-timestamp"], request.body)
    assert result.provider_id == message.delivery_id


def test_a_tampered_body_no_longer_matches_the_signature(webhook_receiver):
    RequestsWebhookBackend().send(_message(webhook_receiver.url()))

    [request] = webhook_receiver.requests
    tampered = request.body.replace(b"review", b"hacked")
    assert request.headers["x-signature"] != _expected_signature(
        request.headers["x-signature-timestamp"], tampered
    )


def test_notification_headers_cannot_override_transport_or_signature_headers(webhook_receiver):
    forged = {"X-Signature": "forged", "Content-Type": "text/plain", "Host": "evil.example", "X-Ok": "yes"}

    RequestsWebhookBackend().send(_message(webhook_receiver.url(), headers={**forged, "bad\nname": "x"}))

    headers = webhook_receiver.requests[0].headers
    assert headers["x-signature"] != "forged"
    assert headers["content-type"] == "application/json"
    assert headers["host"].startswith("127.0.0.1:")
    assert headers["x-ok"] == "yes"


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (429, False), (400, True), (404, True), (410, True), (301, True)],
)
def test_answers_are_classified(webhook_receiver, status, permanent):
    webhook_receiver.reply_with(status, {"Location": "http://169.254.169.254/"} if status == 301 else None)

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message(webhook_receiver.url()))

    assert (raised.value.status, raised.value.permanent) == (status, permanent)
    assert len(webhook_receiver.requests) == 1  # a redirect is not followed


def test_a_slow_receiver_times_out_as_retryable(webhook_receiver, settings):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.3
    webhook_receiver.delay = 1.0

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message(webhook_receiver.url()))

    assert raised.value.retryable


def test_a_refused_connection_is_retryable(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message(url))

    assert raised.value.retryable


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "10.0.0.7", "169.254.169.254", "192.168.1.1"]
)
def test_private_targets_are_refused_by_default(settings, host):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message(f"http://{host}:9/hook"))

    assert raised.value.permanent


def test_a_name_that_resolves_to_a_private_address_is_refused_at_connect_time(webhook_receiver, settings):
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if is_public_address(address):
        pytest.skip("this machine's name resolves to a public address")
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message(f"http://{name}:{webhook_receiver.port}/hook"))

    assert raised.value.permanent
    assert address in raised.value.message
    assert webhook_receiver.requests == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_public_address_rule(address, public):
    assert is_public_address(address) is public


def test_body_is_compact_utf8_json(webhook_receiver):
    RequestsWebhookBackend().send(_message(webhook_receiver.url()))

    body = webhook_receiver.requests[0].body
    assert "Καλημέρα".encode() in body
    assert json.loads(body) == {
        "event": "CREATE",
        "appointment": {"id": "f46f165d", "title": "Καλημέρα review"},
    }
