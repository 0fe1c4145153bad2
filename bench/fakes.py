"""Loopback stand-ins for what lies outside the machine, shared by the tests and the benchmarks.

- SmtpSink: a real SMTP server (aiosmtpd) that keeps the mail it receives, or
  answers RCPT/DATA with the error it is told to.
- TwilioFake: Twilio's Messages API over HTTP; records each request (form fields,
  basic auth) and answers 201 or whatever error it is told to.
- WebhookReceiver: an HTTP endpoint that records each POST (headers, raw body)
  and answers as told, optionally after a delay.

Each listens on 127.0.0.1 on a port the OS picks; stop() frees it.
"""

import base64
import email
import email.policy
import json
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

# --- SMTP ---------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    peer: tuple[str, int] | None = None  # the client's address and port: one per SMTP connection

    @cached_property
    def message(self) -> email.message.EmailMessage:
        """Parsed when first read: a benchmark that only counts mail does not pay for parsing it."""
        return email.message_from_bytes(self.content, policy=email.policy.default)  # type: ignore[return-value]

    def part(self, content_type: str) -> str | None:
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.get_filename():
                return part.get_content().replace("\r\n", "\n")
        return None

    def attachments(self) -> list[tuple[str, bytes, str]]:
        return [
            (part.get_filename(), part.get_payload(decode=True), part.get_content_type())
            for part in self.message.walk()
            if part.get_filename()
        ]


class _LoopbackController(Controller):
    """aiosmtpd's controller on port 0: read the port the OS picked before the self-test connects."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    def __init__(self):
        self.messages: list[ReceivedMail] = []
        self.rcpt_reply: str | None = None  # e.g. "550 5.1.1 No such user"
        self.data_reply: str | None = None  # e.g. "451 4.3.0 Try again later"
        self._controller = _LoopbackController(self, hostname="127.0.0.1", port=0)
        self.host = "127.0.0.1"
        self.port = 0

    def start(self) -> "SmtpSink":
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        self._controller.stop()

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        self.messages.append(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, peer=session.peer)
        )
        return "250 Message accepted for delivery"


# --- HTTP servers ---------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    peer: tuple[str, int] | None = None  # the client's address and port: one per TCP connection

    def json(self):
        return json.loads(self.body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        # A client that gave up (the timeout tests) is expected; anything else is shown.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _LoopbackHTTPServer:
    """A threaded HTTP server on 127.0.0.1 whose handler calls self.respond(request)."""

    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as the providers offer it: a client may send many requests on one connection.
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
            # client's delayed ACK, 40 ms a request on a kept-alive connection.
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                request = RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                    peer=self.client_address,
                )
                with outer._lock:
                    outer.requests.append(request)
                status, headers, body = outer.respond(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError


class TwilioFake(_LoopbackHTTPServer):
    def __init__(self):
        super().__init__()
        self._replies: deque = deque()
        self._refused: dict[str, tuple[int, dict]] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reply_with(self, status: int, *, code: int | None = None, message: str = "error") -> None:
        """Answer the next request with an error as Twilio writes it."""
        self._replies.append((status, self._error(status, code, message)))

    def refuse_number(
        self, number: str, status: int, *, code: int | None = None, message: str = "error"
    ) -> None:
        """Answer every message to `number` with an error as Twilio writes it (others are taken)."""
        self._refused[number] = (status, self._error(status, code, message))

    @staticmethod
    def _error(status: int, code: int | None, message: str) -> dict:
        body = {"status": status, "message": message, "more_info": "https://www.twilio.com/docs/errors"}
        if code is not None:
            body["code"] = code
        return body

    def respond(self, request):
        request.form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme == "Basic":
            user, _, password = base64.b64decode(credentials).decode().partition(":")
            request.auth = (user, password)
        if request.form.get("To") in self._refused:
            status, body = self._refused[request.form["To"]]
        elif self._replies:
            status, body = self._replies.popleft()
        else:
            status, body = 201, self._message(request)
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    @staticmethod
    def _message(request) -> dict:
        return {
            "sid": f"SM{uuid.uuid4().hex}",
            "status": "queued",
            "to": request.form.get("To"),
            "from": request.form.get("From"),
            "body": request.form.get("Body"),
            "num_segments": "1",
        }


class WebhookReceiver(_LoopbackHTTPServer):
    def __init__(self):
        super().__init__()
        self._replies: deque = deque()
        self.delay = 0.0

    def url(self, path: str = "/hooks/appointments") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reply_with(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._replies.append((status, headers or {}))

    def respond(self, request):
        if self.delay:
            time.sleep(self.delay)
        status, headers = self._replies.popleft() if self._replies else (204, {})
        return status, headers, b""
