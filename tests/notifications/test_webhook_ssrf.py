"""Webhook targets are resolved once, judged in every IPv6 spelling of an IPv4 address, and
connected to by the checked IP (the name kept for Host, SNI and the certificate).

A stub resolver answers made-up `.test` names; a recorder stands in front of socket.connect
and refuses anything but 127.0.0.1 on the spot, so nothing here leaves the machine.
"""

import datetime
import ipaddress
import socket
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from notifications.backends.base import DeliveryError, WebhookMessage
from notifications.backends.webhook import RequestsWebhookBackend, is_public_address, url_refusal_reason
from notifications.models import WebhookEndpoint

NAME = "hooks.pinned.test"
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect

# Each spelling reaches an internal IPv4 address (or is internal itself).
HIDDEN_INTERNAL = [
    "127.0.0.1",
    "::1",
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64, well-known prefix
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::7f00:1",  # NAT64, local-use prefix
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:7::1",  # 6to4 of 10.0.0.7
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1 (stored inverted)
    "2001:0:a00:7:8000:63bf:f7f7:f7f7",  # Teredo, server 10.0.0.7, client 8.8.8.8
]


@dataclass
class StubDns:
    answers: dict[str, list[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)


@pytest.fixture
def dns(monkeypatch):
    """A resolver that answers the names in `answers` and records every lookup."""
    stub = StubDns()

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        stub.lookups.append(host)
        if host not in stub.answers:
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        return [_address_info(address, port) for address in stub.answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return stub


def _address_info(address: str, port: int):
    if ipaddress.ip_address(address).version == 4:
        return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
    return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))


@pytest.fixture
def connects(monkeypatch):
    """Every connect attempted; only 127.0.0.1 is really dialled, anything else is refused unsent."""
    attempts: list[tuple[str, int]] = []

    def connect(sock, address):
        attempts.append((address[0], address[1]))
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError("these tests reach 127.0.0.1 only")
        return _real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _message(url: str) -> WebhookMessage:
    return WebhookMessage(
        url=url,
        secret="whsec-0123456789abcdef",
        event="CREATE",
        payload={"event": "CREATE", "appointment": {"id": "f46f165d"}},
        delivery_id=str(uuid.uuid4()),
        headers={},
    )


@pytest.mark.parametrize("address", HIDDEN_INTERNAL)
def test_a_name_resolving_to_an_internal_address_is_refused_before_any_connection(
    dns, connects, settings, address
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    dns.answers["hooks.rebind.test"] = [address]

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message("http://hooks.rebind.test:9/hook"))

    assert raised.value.permanent
    assert address in raised.value.message
    assert connects == []
    assert dns.lookups == ["hooks.rebind.test"]


def test_one_internal_answer_among_public_ones_refuses_the_name(dns, connects, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    dns.answers["hooks.mixed.test"] = ["93.184.215.14", "2606:4700:4700::1111", "64:ff9b::a00:7"]

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message("https://hooks.mixed.test/hook"))

    assert raised.value.permanent
    assert "64:ff9b::a00:7" in raised.value.message
    assert connects == []


def test_a_name_that_does_not_resolve_is_retryable(dns, connects, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    dns.answers["hooks.gone.test"] = []  # the stub answers with nothing: as good as NXDOMAIN

    with pytest.raises(DeliveryError) as raised:
        RequestsWebhookBackend().send(_message("http://hooks.gone.test/hook"))

    assert raised.value.retryable
    assert connects == []


def test_a_name_is_connected_by_its_checked_address_under_its_own_host_header(
    dns, connects, webhook_receiver
):
    dns.answers[NAME] = ["127.0.0.1"]

    RequestsWebhookBackend().send(_message(f"http://{NAME}:{webhook_receiver.port}/hooks/appointments"))

    [request] = webhook_receiver.requests
    assert request.headers["host"] == f"{NAME}:{webhook_receiver.port}"
    assert connects == [("127.0.0.1", webhook_receiver.port)]
    assert dns.lookups == [NAME]


class TlsReceiver:
    """An HTTPS server on 127.0.0.1 that records the SNI names and Host headers it is sent."""

    def __init__(self, certificates):
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificates["leaf"], certificates["key"])
        context.sni_callback = lambda sock, server_name, ctx: self.server_names.append(server_name)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def certificates(tmp_path):
    """A throwaway CA and a certificate it issued for NAME only, as PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook test CA")])
    ca = (
        _certificate_builder(ca_name, ca_name, ca_key, now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        _certificate_builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]), ca_name, leaf_key, now
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = {"ca": tmp_path / "ca.pem", "leaf": tmp_path / "leaf.pem", "key": tmp_path / "leaf.key"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["leaf"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


def _certificate_builder(subject, issuer, key, now):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture
def tls_receiver(certificates, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    receiver = TlsReceiver(certificates)
    yield receiver
    receiver.stop()


def _trusting_backend(certificates) -> RequestsWebhookBackend:
    backend = RequestsWebhookBackend()
    backend.session.verify = str(certificates["ca"])  # trust the throwaway CA, nothing else
    return backend


def test_https_by_pinned_address_keeps_the_name_for_sni_certificate_and_host(
    dns, connects, certificates, tls_receiver
):
    dns.answers[NAME] = ["127.0.0.1"]

    _trusting_backend(certificates).send(_message(f"https://{NAME}:{tls_receiver.port}/hook"))

    assert tls_receiver.server_names == [NAME]
    assert tls_receiver.hosts == [f"{NAME}:{tls_receiver.port}"]
    assert connects == [("127.0.0.1", tls_receiver.port)]
    assert dns.lookups == [NAME]


def test_https_certificate_is_still_checked_against_the_name_not_the_address(
    dns, connects, certificates, tls_receiver
):
    dns.answers["other.pinned.test"] = ["127.0.0.1"]

    with pytest.raises(DeliveryError) as raised:
        _trusting_backend(certificates).send(_message(f"https://other.pinned.test:{tls_receiver.port}/hook"))

    assert "Hostname mismatch, certificate is not valid for 'other.pinned.test'" in raised.value.message
    assert tls_receiver.server_names == ["other.pinned.test"]
    assert tls_receiver.hosts == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        *[(address, False) for address in HIDDEN_INTERNAL],
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True),
        ("2002:808:808::", True),
        ("ff0e::1", False),
        ("fd00::1", False),
        ("::", False),
    ],
)
def test_public_address_rule_unwraps_embedded_ipv4(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:a00:7]/hook",
        "http://[64:ff9b::7f00:1]:8080/hook",
        "http://[64:ff9b:1::a9fe:a9fe]/hook",
        "https://[2002:a9fe:a9fe::]/hook",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "http://127.1/hook",
        "http://0x7f000001/hook",
        "http://2130706433/hook",
        "http://0177.0.0.1/hook",
        "http://localhost./hook",
    ],
)
def test_urls_spelling_an_internal_address_are_refused_when_saved(dns, settings, url):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False

    assert url_refusal_reason(url) is not None
    assert dns.lookups == []


@pytest.mark.parametrize(
    "url",
    ["https://[2606:4700:4700::1111]/hook", "http://[64:ff9b::808:808]/hook", "https://crm.acme.example/x"],
)
def test_public_literals_and_names_are_accepted_when_saved_without_a_lookup(dns, settings, url):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False

    assert url_refusal_reason(url) is None
    assert dns.lookups == []


def test_the_api_refuses_a_nat64_spelling_of_loopback(admin_client, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    body = {"url": "http://[64:ff9b::7f00:1]/hooks", "events": ["CREATE"], "secret": "whsec-0123456789abcdef"}

    response = admin_client.post("/api/notifications/webhooks/", body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["url"] == ["must not point at a private, loopback or link-local address"]
    assert not WebhookEndpoint.objects.exists()
