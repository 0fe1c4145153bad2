"""Configuration from the environment (CONTRACT.md section 1) and the deploy checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "0",
    "SECRET_KEY": "x7!q-production-like-secret-key-with-enough-entropy-9f8e7d6c5b4a3",
    "ALLOWED_HOSTS": "appointments.example.com",
}


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_a_real_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_key_is_refused_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _python(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_environment_settings_are_read(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://u:p@db.internal:5432/appts",
        "ALLOWED_HOSTS": "a.example, b.example",
        "SECURE_SSL_REDIRECT": "1",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "EMAIL_HOST": "smtp.internal",
        "ROOM_BASE_URL": "https://rooms.example/",
        "JWT_AUDIENCE": "appointments",
    }
    code = (
        "import django, os; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.ALLOWED_HOSTS,"
        " s.SECURE_SSL_REDIRECT, s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.ROOM_BASE_URL,"
        " s.SIMPLE_JWT['AUDIENCE'])"
    )
    result = _python(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "db.internal",
        "['a.example',",
        "'b.example']",
        "True",
        "redis://redis:6379/0",
        "django.core.mail.backends.smtp.EmailBackend",
        "https://rooms.example",
        "appointments",
    ]


def test_bad_boolean_fails_loudly():
    result = _python(["manage.py", "check"], {**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "maybe"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr
