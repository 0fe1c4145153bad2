"""The operations settings fail loudly at start-up, in one line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG = "x7!q-production-like-secret-key-with-enough-entropy-9f8e7d6c5b4a3"


def _check(tmp_path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": STRONG,
        "ALLOWED_HOSTS": "appointments.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("LOG_FORMAT", "xml", "must be json or text"),
        ("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,prometheus.internal", "is not an address or network"),
        ("METRICS_BEARER_TOKEN", "short-token", "is too weak"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variable, value, reason):
    result = _check(tmp_path, **{variable: value})

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Configuration error: {variable}"), result.stderr
    assert reason in lines[0]


def test_good_values_start(tmp_path):
    result = _check(
        tmp_path,
        LOG_FORMAT="text",
        METRICS_ALLOWED_ADDRESSES="127.0.0.1,10.0.0.0/8,::1",
        METRICS_BEARER_TOKEN=STRONG[::-1],
    )

    assert result.returncode == 0, result.stderr
