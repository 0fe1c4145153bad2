"""create_supervisor prints the user id alone and refuses bad input with one line (CONTRACT.md section 3)."""

import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from tenants.supervisors import supervised_application_ids

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Harbor-Violet-2291"


def _run(*args):
    stdout = StringIO()
    call_command("create_supervisor", *args, stdout=stdout)
    return stdout.getvalue()


@pytest.mark.django_db
def test_prints_only_the_user_id_and_the_supervisor_can_log_in(application, other_application, monkeypatch):
    monkeypatch.setenv("SUPERVISOR_PASSWORD", PASSWORD)
    out = _run(
        "--username",
        "dana",
        "--email",
        "dana@example.com",
        "--application",
        str(application.pk),
        "--application",
        str(other_application.pk),
        "--password-from-env",
        "SUPERVISOR_PASSWORD",
    )
    user = get_user_model().objects.get(pk=int(out.strip()))
    assert out.strip() == str(user.pk)
    assert user.username == "dana" and user.is_staff and not user.is_superuser
    assert supervised_application_ids(user=user) == {application.pk, other_application.pk}
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_without_password_flag_the_password_is_kept(application, monkeypatch):
    monkeypatch.setenv("SUPERVISOR_PASSWORD", PASSWORD)
    base = ["--username", "dana", "--email", "dana@example.com", "--application", str(application.pk)]
    first = _run(*base, "--password-from-env", "SUPERVISOR_PASSWORD")
    second = _run(*base)
    assert first == second
    assert get_user_model().objects.get(username="dana").check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--application", "{missing}"], "not found"),
        (["--application", "{app}", "--email", "nope"], "email"),
        (["--application", "{app}", "--password-from-env", "NO_SUCH_VARIABLE"], "NO_SUCH_VARIABLE"),
        (["--application", "{app}", "--password-from-env", "WEAK_PASSWORD"], "password"),
    ],
)
def test_refuses_bad_input(application, monkeypatch, args, reason):
    monkeypatch.delenv("NO_SUCH_VARIABLE", raising=False)
    monkeypatch.setenv("WEAK_PASSWORD", "1234")
    args = [a.format(app=application.pk, missing=uuid.uuid4()) for a in args]
    if "--email" not in args:
        args += ["--email", "dana@example.com"]
    with pytest.raises(CommandError, match=reason):
        _run("--username", "dana", *args)
    assert not get_user_model().objects.exists()


def _manage(*args, env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_as_a_process_prints_the_id_alone_and_fails_with_one_line(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cmd.sqlite3'}", "SUPERVISOR_PASSWORD": PASSWORD}
    assert _manage("migrate", "--noinput", env=env).returncode == 0
    app_id = _manage("create_application", "--name", "A", "--organization", "o", env=env).stdout.strip()

    created = _manage(
        "create_supervisor",
        *("--username", "dana", "--email", "dana@example.com", "--application", app_id),
        *("--password-from-env", "SUPERVISOR_PASSWORD"),
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().isdigit() and created.stdout == f"{created.stdout.strip()}\n"

    refused = _manage(
        "create_supervisor",
        *("--username", "dana", "--email", "dana@example.com", "--application", str(uuid.uuid4())),
        env=env,
    )
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "not found" in refused.stderr
