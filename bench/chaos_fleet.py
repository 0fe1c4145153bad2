"""What bench/chaos.py drives: its own PostgreSQL and Redis, Celery workers and beats, and stamped fakes.

- Services: .ci/services.sh in a state folder of its own, so one server can be
  stopped and started again on the same port with the same data.
- Fleet: `celery -A config worker` and `celery -A config beat` processes, each in a
  process group of its own (kill -9 takes the whole worker, pool children too, as a
  container kill does), logging to files that LogWatch reads as they grow.
- StampedSmtp / StampedTwilio: the loopback fakes of bench/fakes.py that also note
  when each message arrived and for whom.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.fakes import SmtpSink, TwilioFake

PROJECT = Path(__file__).resolve().parents[1]
SERVICES = PROJECT / ".ci" / "services.sh"


class Services:
    """A throwaway PostgreSQL and Redis (Redis with its append-only file, as in production)."""

    def __init__(self, state: Path):
        self.state = state

    def start(self) -> dict[str, str]:
        out = subprocess.run(
            ["bash", str(SERVICES), "start", str(self.state)], check=True, capture_output=True, text=True
        ).stdout
        env = {}
        for line in out.splitlines():
            if line.startswith("export "):
                name, _, value = line[len("export ") :].partition("=")
                env[name] = value
        return env

    def run(self, action: str) -> None:
        """stop, stop-redis, start-redis, stop-pg or start-pg."""
        subprocess.run(["bash", str(SERVICES), action, str(self.state)], check=True, capture_output=True)


def create_database(database_url: str) -> None:
    import psycopg

    server, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


class LogWatch:
    """Reads the lines a log file gained since the last read."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def new_lines(self) -> list[str]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            data = log.read()
        complete = data.rfind(b"\n") + 1
        self.offset += complete
        return data[:complete].decode(errors="replace").splitlines()


@dataclass
class Exit:
    name: str
    code: int
    last_error: str  # the log's last ERROR/CRITICAL line or exception, for the report


class Fleet:
    """N workers and M beats of the project's Celery app, started the way compose starts them."""

    def __init__(self, env: dict[str, str], logs: Path, *, workers: int, beats: int, concurrency: int):
        self.env, self.logs, self.concurrency = env, logs, concurrency
        self.names = [f"worker-{n}" for n in range(workers)] + [f"beat-{n}" for n in range(beats)]
        self.procs: dict[str, subprocess.Popen] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def workers(self) -> list[str]:
        return [name for name in self.names if name.startswith("worker")]

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start(self, name: str) -> None:
        kind, _, n = name.partition("-")
        if kind == "worker":
            # As compose's worker: prefork pool, every queue of the settings (sends and ticks).
            args = ["worker", "--loglevel", "INFO", "--concurrency", str(self.concurrency),
                    "--hostname", f"chaos{n}@%h"]  # fmt: skip
        else:
            args = ["beat", "--loglevel", "INFO", "--schedule", str(self.logs / f"{name}-schedule")]
        log = open(self.log(name), "ab")  # noqa: SIM115 (lives as long as the process)
        log.write(f"\n=== chaos: {name} started at {time.time():.3f}\n".encode())
        log.flush()
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def start_all(self) -> None:
        for name in self.names:
            self.start(name)

    def exits(self) -> list[Exit]:
        """Processes that ended by themselves (not by kill9), with the log's last error."""
        return [
            Exit(name, proc.returncode, _last_error(self.log(name)))
            for name, proc in self.procs.items()
            if proc.poll() is not None and proc.returncode != -signal.SIGKILL
        ]

    def restart_dead(self) -> list[str]:
        dead = [name for name, proc in self.procs.items() if proc.poll() is not None]
        for name in dead:
            self.start(name)
        return dead

    def kill9(self, name: str) -> None:
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _last_error(path: Path) -> str:
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    for line in reversed(lines):
        if "ERROR" in line or "CRITICAL" in line or "Error:" in line or "Exception" in line:
            return line.strip()[:500]
    return ""


class StampedSmtp(SmtpSink):
    """The SMTP sink, noting (recipient, arrival time) of each accepted message."""

    def __init__(self):
        super().__init__()
        self.arrivals: list[tuple[str, float]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            for rcpt in envelope.rcpt_tos:
                self.arrivals.append((rcpt.lower(), time.time()))
        return reply


class StampedTwilio(TwilioFake):
    """The Twilio fake, noting (To, arrival time) of each message it accepted."""

    def __init__(self):
        super().__init__()
        self.arrivals: list[tuple[str, float]] = []

    def respond(self, request):
        status, headers, body = super().respond(request)
        if status == 201:
            self.arrivals.append((request.form.get("To", ""), time.time()))
        return status, headers, body


def fleet_env(base: dict[str, str], *, smtp: SmtpSink, twilio: TwilioFake, interval: int, queue: str):
    """The environment of every worker and beat: the fakes as providers, a tick every `interval` s."""
    return {
        **base,
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "chaos-token",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "NOTIFICATIONS_TWILIO_STATUS_CALLBACK": "0",
        "NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS": str(interval),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "INFO",
    }
