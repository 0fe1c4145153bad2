"""Weak secrets stop every entry point with one line on stderr, not a traceback (issue 14, item 8)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STRONG = "x7!q-production-like-secret-key-with-enough-entropy-9f8e7d6c5b4a3"
SHORT = "Sh0rt-but-varied-secret-key!"  # 28 characters
SAMEY = "ab" * 40  # 80 characters, 2 different ones
WEAK_KEYS = {
    "too-short": SHORT,
    "too-few-distinct": SAMEY,
    "django-insecure-prefix": "django-insecure-" + STRONG,
}
ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "wsgi": [sys.executable, "-c", "import config.wsgi"],
    "asgi": [sys.executable, "-c", "import config.asgi"],
    "celery": [str(BIN / "celery"), "-A", "config", "worker", "--concurrency", "1"],
}
# Our variables, and those that would point the child at another settings module or broker.
_INHERITED_OUT = {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "CELERY_BROKER_URL"}


@pytest.fixture
def run(tmp_path):
    """run(command, **variables) -> the finished process, with production settings (DEBUG off)."""

    def _run(command: list[str], **variables: str | None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in _INHERITED_OUT and not k.startswith("JWT_")}
        env |= {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "appointments.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "VAR_DIR": str(tmp_path / "var"),
        }
        env |= {name: value for name, value in variables.items() if value is not None}
        # A session of its own: a server that did start is stopped with its children.
        with subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)

    return _run


def _assert_refused(result: subprocess.CompletedProcess, variable: str, secret: str | None = None) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable} "), lines[0]
    if secret:
        assert secret not in result.stderr  # the message names the variable, never its value


@pytest.mark.parametrize("key", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_manage_py_refuses_a_weak_secret_key(run, key):
    _assert_refused(run(ENTRY_POINTS["manage.py"], SECRET_KEY=key), "SECRET_KEY", key)


def test_manage_py_refuses_a_missing_secret_key(run):
    _assert_refused(run(ENTRY_POINTS["manage.py"]), "SECRET_KEY")


@pytest.mark.parametrize("entry_point", ["wsgi", "asgi", "celery"])
def test_every_entry_point_reports_a_weak_key_in_one_line(run, entry_point):
    _assert_refused(run(ENTRY_POINTS[entry_point], SECRET_KEY=SHORT), "SECRET_KEY", SHORT)


def test_wsgi_refuses_a_missing_secret_key(run):
    _assert_refused(run(ENTRY_POINTS["wsgi"]), "SECRET_KEY")


@pytest.mark.parametrize("key", [SHORT, SAMEY], ids=["too-short", "too-few-distinct"])
def test_a_weak_hs256_signing_key_is_refused_by_its_own_name(run, key):
    result = run(ENTRY_POINTS["manage.py"], SECRET_KEY=STRONG, JWT_SIGNING_KEY=key)
    _assert_refused(result, "JWT_SIGNING_KEY", key)


def test_an_rs256_signing_key_that_is_no_pem_is_one_line(run):
    result = run(
        ENTRY_POINTS["manage.py"], SECRET_KEY=STRONG, JWT_ALGORITHM="RS256", JWT_SIGNING_KEY="not-a-pem"
    )
    _assert_refused(result, "JWT_SIGNING_KEY", "not-a-pem")


def test_an_rs256_private_key_passes(run):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    result = run(ENTRY_POINTS["manage.py"], SECRET_KEY=STRONG, JWT_ALGORITHM="RS256", JWT_SIGNING_KEY=pem)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("entry_point", ["manage.py", "wsgi"])
def test_a_strong_key_starts(run, entry_point):
    result = run(ENTRY_POINTS[entry_point], SECRET_KEY=STRONG, JWT_SIGNING_KEY=STRONG[::-1])
    assert result.returncode == 0, result.stderr
    assert "Configuration error" not in result.stderr


def test_debug_accepts_a_development_key(run):
    result = run(ENTRY_POINTS["manage.py"], DEBUG="1", SECRET_KEY=SHORT)
    assert result.returncode == 0, result.stderr


def test_gunicorn_stops_instead_of_restarting_its_workers(run):
    """A worker exiting 1 is restarted forever; gunicorn halts on "app failed to load" (4)."""
    command = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", "127.0.0.1:0", "--workers", "1"]
    result = run(command, SECRET_KEY=SHORT)
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    refusals = [line for line in result.stderr.splitlines() if line.startswith("Configuration error: ")]
    assert len(refusals) == 1 and "SECRET_KEY" in refusals[0], result.stderr
