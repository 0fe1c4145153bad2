"""Webhooks: a signed JSON POST to the application's own endpoint.

Receivers verify `X-Signature` = hex HMAC-SHA256(secret, f"{timestamp}.{body}")
with the `X-Signature-Timestamp` header, and reject old timestamps (replays).
Targets that resolve to private, loopback or link-local addresses are refused at
connect time (so DNS tricks cannot reach our internal network) unless
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE is set.
"""

import hashlib
import hmac
import ipaddress
import json
import re
import socket
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from notifications.backends.base import BaseBackend, DeliveryError, SendResult, WebhookMessage

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
DELIVERY_HEADER = "X-Delivery-Id"
EVENT_HEADER = "X-Webhook-Event"
USER_AGENT = "appointments-webhooks/1"

# Headers an appointment's notificationHeaders may not set: transport framing and our own.
_RESERVED = {"host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent"} | {
    name.lower() for name in (SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER, EVENT_HEADER)
}
_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of f"{timestamp}.{body}" under the endpoint's secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def encode_body(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False).encode()


class BlockedAddress(Exception):
    """The target resolved to an address webhooks may not reach."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def private_targets_allowed() -> bool:
    return bool(settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE)


def url_refusal_reason(url: str) -> str | None:
    """Why a webhook URL can never be delivered to, as far as the URL alone tells; None if fine."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "must be an http or https URL"
    if private_targets_allowed():
        return None
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return "must not point at this machine"
    try:
        public = is_public_address(host)
    except ValueError:
        return None  # a name: checked again on every connection
    return None if public else "must not point at a private, loopback or link-local address"


if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection  # the mixin only ever sits in front of one
else:
    _ConnectionBase = object


class _GuardedConnectionMixin(_ConnectionBase):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if not private_targets_allowed():
            peer = sock.getpeername()[0]
            if not is_public_address(peer):
                sock.close()
                raise BlockedAddress(f"{self.host} resolves to {peer}, a non-public address")
        return sock


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


class RequestsWebhookBackend(BaseBackend):
    def __init__(self):
        self.session = requests.Session()
        # No proxies or .netrc from the environment: the address check must see the real peer.
        self.session.trust_env = False
        adapter = _GuardedAdapter(max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, message: WebhookMessage) -> SendResult:
        reason = url_refusal_reason(message.url)
        if reason:
            raise DeliveryError(f"webhook URL {reason}", permanent=True)
        body = encode_body(message.payload)
        timestamp = str(int(time.time()))
        headers = {
            **_passable_headers(message.headers),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: message.event,
            DELIVERY_HEADER: message.delivery_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(message.secret, timestamp, body),
        }
        timeout = settings.NOTIFICATIONS_WEBHOOK_TIMEOUT
        try:
            with self.session.post(
                message.url,
                data=body,
                headers=headers,
                timeout=(min(3.0, timeout), timeout),
                allow_redirects=False,
                stream=True,
            ) as response:
                status = response.status_code
        except BlockedAddress as exc:
            raise DeliveryError(f"webhook refused: {exc}", permanent=True) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            raise DeliveryError(f"webhook URL is invalid: {exc}", permanent=True) from exc
        except requests.RequestException as exc:
            raise DeliveryError(f"webhook unreachable: {exc}", permanent=False) from exc
        return _result(status, message.delivery_id)


def _result(status: int, delivery_id: str) -> SendResult:
    if 200 <= status < 300:
        return SendResult(provider_id=delivery_id)
    if status in (408, 425, 429) or status >= 500:
        raise DeliveryError(f"webhook answered {status}", permanent=False, status=status)
    if 300 <= status < 400:
        # Following a redirect could lead anywhere, including inside our network.
        raise DeliveryError(
            f"webhook answered {status}; redirects are not followed", permanent=True, status=status
        )
    raise DeliveryError(f"webhook answered {status}", permanent=True, status=status)


def _passable_headers(headers: dict) -> dict[str, str]:
    """The appointment's notificationHeaders that are safe to put on the wire."""
    passable = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not _HEADER_NAME_RE.match(name) or name.lower() in _RESERVED:
            continue
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            continue
        passable[name] = value
    return passable
