"""The serving stacks the API benchmark compares: each a command line serving config.wsgi on a port.

Every stack keeps connections open the way it would in service, so that wrk (whose
connections are always keep-alive) sees what a client would:

- gunicorn's sync workers close the connection after every response (they cannot
  keep one open), so each request pays for a new TCP connection and an accept;
- gunicorn's gthread workers keep an idle connection for --keep-alive seconds;
- granian (a Rust HTTP server running the WSGI application in worker processes)
  keeps HTTP/1.1 connections open by default.

Without an access log, a request is still logged once: by the service itself
(core.http_metrics, logger core.http: route, status, duration, request id), so a
server's own access line would be a second one for the same request.

The benchmark checks which of them really answered a second request on the same
connection (api_servers.keeps_alive) and reports it next to the figures.

DEFAULT is the stack docker-compose.yml's web service runs (tests/test_compose.py
holds the two equal): it was chosen by this benchmark's comparison, see
docs/benchmarks.md.
"""

import sys
from dataclasses import dataclass

WSGI_APP = "config.wsgi:application"
# Seconds an idle keep-alive connection is kept (gunicorn's default is 2).
KEEP_ALIVE = 5
# Threads per gunicorn gthread worker, and granian's WSGI threads per worker (its own default
# would be backlog / workers / 2, about 170: as many database connections per worker).
THREADS = 4


@dataclass(frozen=True)
class Stack:
    name: str
    label: str
    program: str  # the command docker-compose.yml runs
    module: str  # the same program run as `python -m`, in the benchmark's interpreter
    flags: tuple[str, ...]  # everything but the bind address and the number of workers
    access_log: bool
    keeps_alive: bool  # what the stack is configured to do (checked against what it does)

    def command(self, host: str, port: int, workers: int) -> list[str]:
        """The command line docker-compose.yml writes, for this address and number of workers."""
        if self.program == "gunicorn":
            bind = f"{host}:{port}"
            return [self.program, WSGI_APP, "--bind", bind, "--workers", str(workers), *self.flags]
        return [self.program, "--interface", "wsgi", "--host", host, "--port", str(port),
                "--workers", str(workers), *self.flags, WSGI_APP]  # fmt: skip

    def argv(self, port: int, workers: int) -> list[str]:
        """The same command for the benchmark: on loopback, in this interpreter."""
        return [sys.executable, "-m", self.module, *self.command("127.0.0.1", port, workers)[1:]]


def _gunicorn(name: str, label: str, flags: list[str], access_log: bool, keeps_alive: bool) -> Stack:
    log = ["--access-logfile", "-"] if access_log else []
    return Stack(name, label, "gunicorn", "gunicorn", (*flags, *log), access_log, keeps_alive)


def _granian(name: str, label: str, access_log: bool) -> Stack:
    # A worker that dies while serving is replaced (gunicorn's master does so by itself); one
    # that cannot load the settings at start still stops the server, with exit status 1.
    flags = ["--blocking-threads", str(THREADS), "--http", "1", "--no-ws", "--respawn-failed-workers"]
    if access_log:
        flags.append("--access-log")
    return Stack(name, label, "granian", "granian", tuple(flags), access_log, True)


GTHREAD = ["--worker-class", "gthread", "--threads", str(THREADS), "--keep-alive", str(KEEP_ALIVE)]

STACKS = {
    stack.name: stack
    for stack in (
        _gunicorn("gunicorn-sync", "gunicorn sync, access log (before)", [], True, False),
        _gunicorn("gunicorn-gthread-log", "gunicorn gthread, keep-alive, access log", GTHREAD, True, True),
        _gunicorn("gunicorn-gthread", "gunicorn gthread, keep-alive, no access log", GTHREAD, False, True),
        _granian("granian-log", "granian WSGI, keep-alive, access log", True),
        _granian("granian", "granian WSGI, keep-alive, no access log", False),
    )
}
DEFAULT = "granian"
