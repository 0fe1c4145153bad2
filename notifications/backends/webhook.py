"""Webhooks: a signed JSON POST to the application's own endpoint.

Receivers verify `X-Signature` = hex HMAC-SHA256(secret, f"{timestamp}.{body}")
with the `X-Signature-Timestamp` header, and reject old timestamps (replays).
Unless NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE is set, targets on non-public addresses
(`addresses.is_public_address`) are refused: a host name is resolved once per connection,
refused before any connection if any of its addresses is not public, and the socket is then
opened to the checked address itself, so neither a second lookup (DNS rebinding) nor a
refused connection's timing (a port-scan oracle) can reach our internal network.
"""

import hashlib
import hmac
import json
import re
import socket
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from notifications.backends.addresses import is_public_address, literal_address
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


def private_targets_allowed() -> bool:
    return bool(settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE)


def url_refusal_reason(url: str) -> str | None:
    """Why a webhook URL can never be delivered to, as far as the URL alone tells; None if fine."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "must be an http or https URL"
    if private_targets_allowed():
        return None
    host = parts.hostname.rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "must not point at this machine"
    address = literal_address(host)
    if address is None:
        return None  # a name: its addresses are checked before every connection
    if is_public_address(address):
        return None
    return "must not point at a private, loopback or link-local address"


# What socket.getaddrinfo answers: (family, type, proto, canonical name, socket address).
_AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple]


if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection  # the mixin only ever sits in front of one
else:
    _ConnectionBase = object


class _GuardedConnectionMixin(_ConnectionBase):
    """Resolves the host once, checks every answer, then connects to those very addresses.

    Only the socket's destination changes: self.host stays the name, so the Host header, TLS
    SNI and the certificate check still use it.
    """

    def _new_conn(self) -> socket.socket:
        answers = self._resolve()
        if not private_targets_allowed():
            _refuse_non_public(self.host, answers)
        try:
            sock = _connect_first(answers, self.timeout, self.source_address, self.socket_options)
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, self.host, self.port)  # as urllib3's own _new_conn does
        return sock

    def _resolve(self) -> Sequence[_AddressInfo]:
        try:
            return socket.getaddrinfo(self._dns_host, self.port, allowed_gai_family(), socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc


def _refuse_non_public(host: str, answers: Sequence[_AddressInfo]) -> None:
    # One bad answer is enough: which address a client picks is not ours to predict.
    for *_, sockaddr in answers:
        if not is_public_address(sockaddr[0]):
            raise BlockedAddress(f"{host} resolves to {sockaddr[0]}, a non-public address")


def _connect_first(
    answers: Sequence[_AddressInfo],
    timeout: object,
    source_address: tuple[str, int] | None,
    socket_options: Sequence[tuple] | None,
) -> socket.socket:
    """The first of the answers that takes a connection, tried in order (as urllib3 does)."""
    error = OSError("the name resolved to no address")
    for family, kind, proto, _, sockaddr in answers:
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is None or isinstance(timeout, int | float):  # not urllib3's "default" sentinel
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


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
