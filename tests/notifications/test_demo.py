"""The development `demo` command behind bin/dev."""

import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
from contextlib import closing, suppress
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Delivery, NotificationTemplate
from notifications.pipeline.tick import deliveries_dispatch_now
from tenants.models import Application, SupervisorMembership

pytestmark = pytest.mark.django_db

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
LOG_SMS = "notifications.backends.sms.LogSmsBackend"


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--base-url", "http://127.0.0.1:8123", *args, stdout=out)
    return out.getvalue()


def _printed_booking(output: str) -> tuple[str, str, dict]:
    """The sample booking's curl as printed: its token, its path and its JSON body."""
    match = re.search(
        r"curl -s -H 'Authorization: Bearer (\S+)' \\\n\s+-H 'Content-Type: application/json'"
        r" http://127\.0\.0\.1:8123(\S+) \\\n\s+-d '([^']+)'",
        output,
    )
    assert match, output
    return match.group(1), match.group(2), json.loads(match.group(3))


def test_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        _demo()
    assert not Application.objects.exists()


def test_demo_prints_working_tokens_and_a_booking_notifies(settings):
    settings.DEBUG = True
    output = _demo()
    application = Application.objects.get()
    assert NotificationTemplate.objects.filter(application=application, type="REMINDER").exists()
    agent_token = re.search(r"ROLE_AGENT\s+(\S+)", output).group(1)
    assert "http://127.0.0.1:8123/api/appointments/" in output

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {agent_token}")
    response = client.post(
        "/api/appointments/",
        {
            "applicationId": str(application.pk),
            "start": "2030-01-31T19:00:00Z",
            "duration": "PT30M",
            "timezone": "Europe/Berlin",
            "customer": {"contact": {"primaryEmail": "bob@example.com", "primaryPhone": "+12025550123"}},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    planned = set(Delivery.objects.values_list("type", "channel"))
    assert planned == {("CREATE", "EMAIL"), ("REMINDER", "SMS")}


def test_demo_is_idempotent(settings):
    settings.DEBUG = True
    _demo()
    second = _demo()
    assert Application.objects.count() == 1
    assert "password unchanged" in second


def test_demo_prints_the_urls_and_a_supervisors_login_that_works(settings):
    settings.DEBUG = True
    output = _demo()

    assert "API docs:        http://127.0.0.1:8123/api/docs/" in output
    assert "Admin console:   http://127.0.0.1:8123/admin/" in output
    password = re.search(r"supervisor: +user 'supervisor', password '([^']+)'", output).group(1)
    supervisor = get_user_model().objects.get(username="supervisor")
    assert supervisor.is_staff and not supervisor.is_superuser
    assert list(
        SupervisorMembership.objects.filter(user=supervisor).values_list("application", flat=True)
    ) == [Application.objects.get().pk]
    browser = Client()
    assert browser.login(username="supervisor", password=password)
    assert browser.get("/admin/").status_code == 200

    again = _demo()
    assert "user 'supervisor' (password unchanged" in again
    assert Client().login(username="supervisor", password=password)


def test_the_printed_booking_sends_its_reminder_within_five_minutes(settings, caplog):
    settings.DEBUG = True
    settings.NOTIFICATION_BACKENDS = {**settings.NOTIFICATION_BACKENDS, "SMS": LOG_SMS}
    output = _demo()
    token, path, body = _printed_booking(output)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.post(path, body, format="json")

    assert response.status_code == 200, response.json()
    reminder = Delivery.objects.get(type="REMINDER", channel="SMS")
    assert timedelta(0) < reminder.due_at - timezone.now() <= timedelta(minutes=5)
    with time_machine.travel(reminder.due_at + timedelta(seconds=1)), caplog.at_level(logging.INFO):
        outcomes = deliveries_dispatch_now()
    assert outcomes == {"sent": 2}
    assert [m.subject for m in mail.outbox] == ["Your video appointment: Demo call"]
    sms = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS from")]
    assert len(sms) == 1 and "Reminder: your video call Demo call" in sms[0]


def test_the_demo_says_where_sent_messages_are_seen(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = CONSOLE_EMAIL
    settings.NOTIFICATION_BACKENDS = {**settings.NOTIFICATION_BACKENDS, "SMS": LOG_SMS}

    output = _demo("--worker-log", "var/log/worker.log")

    assert "Emails are printed to var/log/worker.log" in output
    assert "SMS are written to var/log/worker.log" in output
    assert "tail -f var/log/worker.log" in output
    assert "http://127.0.0.1:8123/admin/notifications/delivery/" in output


def test_with_a_mail_server_the_demo_names_it(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1025

    assert "Emails go to the mail server at 127.0.0.1:1025" in _demo()


# --- bin/dev itself -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# A newcomer's shell has none of these; the child gets its own database, folders and port.
_NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_", "JWT_")
_NOT_INHERITED += ("EMAIL_", "TWILIO_", "NOTIFICATIONS_", "VAR_DIR", "PORT")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Output:
    """bin/dev's merged output, read line by line in a thread so the test can wait for a line."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> int:
        with self._changed:
            found = self._changed.wait_for(lambda: any(text in line for line in self.lines), timeout)
            assert found, "\n".join(self.lines[-40:])
            return next(i for i, line in enumerate(self.lines) if text in line)


@pytest.fixture
def bin_dev(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}
    env |= {
        "PORT": str(_free_port()),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [str(ROOT / "bin" / "dev")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process, _Output(process.stdout), tmp_path
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a person stops it
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        with suppress(ProcessLookupError):  # whatever of its group is still there
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _reminder_due_at(database: Path) -> datetime:
    with closing(sqlite3.connect(database)) as connection:
        (due_at,) = connection.execute(
            "SELECT due_at FROM notifications_delivery WHERE type = 'REMINDER'"
        ).fetchone()
    return datetime.fromisoformat(due_at).replace(tzinfo=UTC)


@pytest.mark.slow
def test_bin_dev_prints_the_demo_once_it_runs_and_its_booking_notifies(bin_dev):
    process, output, tmp_path = bin_dev

    summary_at = output.wait_for("API docs:", timeout=240)
    output.wait_for("Running on http://127.0.0.1:", timeout=10)

    assert output.wait_for("Starting development server at", timeout=0) < summary_at  # after start-up
    text = "\n".join(output.lines)
    base = re.search(r"API docs: +(http://127\.0\.0\.1:\d+)/api/docs/", text).group(1)
    assert urllib.request.urlopen(f"{base}/api/docs/", timeout=10).status == 200  # noqa: S310 (loopback)
    worker_log = tmp_path / "var" / "log" / "worker.log"
    assert f"tail -f {worker_log}" in text
    curl = re.search(r"^  (curl -s -H 'Authorization: Bearer .*?-d '[^']+')$", text, re.M | re.S).group(1)
    booked = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(booked.stdout)["id"]
    assert timedelta(0) < _reminder_due_at(tmp_path / "dev.sqlite3") - timezone.now() <= timedelta(minutes=5)
    deadline = time.monotonic() + 60
    while "Subject: Your video appointment: Demo call" not in worker_log.read_text():
        assert time.monotonic() < deadline, worker_log.read_text()[-3000:]
        time.sleep(0.5)
    assert process.poll() is None
