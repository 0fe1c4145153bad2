"""Real Celery worker and sweeper processes, wired to the test's database, broker and loopback fakes.

On SQLite the test process and its children share a database file; on PostgreSQL
they share the test database. The broker is a folder of the test's own on the
embedded (filesystem) transport, or the Redis of CELERY_BROKER_URL/REDIS_URL
when the suite runs against real services, under a queue name of the test's own.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.core.management import call_command
from django.db import connections

from bench.fakes import SmtpSink
from tests.providers import TWILIO_SID, TWILIO_TOKEN

PROJECT = Path(__file__).resolve().parents[3]


def database_url_shared_with_children(tmp_path) -> tuple[str, callable]:
    """A URL child processes can open for the database this test uses; and a function undoing the setup."""
    connection = connections["default"]
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(settings["USER"] or "")
        if settings.get("PASSWORD"):
            credentials += ":" + quote(settings["PASSWORD"])
        host = settings.get("HOST") or "localhost"
        port = settings.get("PORT") or 5432
        return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}", lambda: None
    # The suite's SQLite test database lives in memory, out of other processes' reach:
    # this test switches to a file for as long as it runs.
    path = tmp_path / "pipeline.sqlite3"
    original = connection
    replacement = original.__class__({**settings, "NAME": str(path)}, alias="default")
    connections["default"] = replacement
    call_command("migrate", verbosity=0, interactive=False)
    with replacement.cursor() as cursor:
        # Readers no longer wait for writers: the workers' polls stay off the writers' path.
        cursor.execute("PRAGMA journal_mode=WAL")

    def restore():
        replacement.close()
        connections["default"] = original

    return f"sqlite:///{path}", restore


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "filesystem://"


class SlowSmtpSink(SmtpSink):
    """An SMTP server that takes `delay` seconds over each message, so a kill lands mid-batch."""

    delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class Processes:
    """Starts workers and sweepers with one environment; stops whatever is left at the end."""

    def __init__(self, tmp_path, *, database_url: str, smtp: SmtpSink, twilio_url: str, **settings):
        self.tmp_path = tmp_path
        self.children: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "VAR_DIR": str(tmp_path / "var"),
            "CELERY_BROKER_URL": broker_url(),
            "CELERY_TASK_DEFAULT_QUEUE": f"pipeline-test-{uuid.uuid4().hex[:12]}",
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "10",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_API_BASE_URL": twilio_url,
            "NOTIFICATIONS_TWILIO_STATUS_CALLBACK": "0",
            "NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            **{name: str(value) for name, value in settings.items()},
        }
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)

    def worker(self, name: str, *, concurrency: int = 4, ticks: bool = False) -> subprocess.Popen:
        """A worker of the send queue; with `ticks`, of beat's tick queue too (as compose runs it)."""
        queues = self.env["CELERY_TASK_DEFAULT_QUEUE"]
        if ticks:
            queues += f",{queues}-dispatch"
        return self._start(
            name,
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool", "threads", "--concurrency", str(concurrency),
                "--hostname", f"{name}@%h", "--queues", queues,
                "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
            ],
        )  # fmt: skip

    def beat(self, name: str = "beat") -> subprocess.Popen:
        """Celery beat on django-celery-beat's DatabaseScheduler, ticking at the intervals of the env."""
        return self._start(
            name, [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"]
        )

    def sweeper(self, name: str, interval: float = 0.3) -> subprocess.Popen:
        return self._start(
            name, [sys.executable, "-m", "tests.notifications.pipeline.sweeper", str(interval)]
        )

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        child = subprocess.Popen(command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        child.log_file = log
        self.children.append(child)
        return child

    def kill(self, child: subprocess.Popen) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, whatever was in flight is cut."""
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)

    def stop_all(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
            child.log_file.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.tmp_path.glob("*.log"))
        )


def wait_until(condition, *, timeout: float, interval: float = 0.25, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")
