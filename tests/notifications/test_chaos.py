"""The chaos run (bench/chaos.py --quick): no reminder duplicated, lost or stuck after a fault.

Real workers and beats on a PostgreSQL and a Redis that the script starts itself,
so it can kill, stop and restart them: kill -9 of a worker mid-tick, Redis down,
PostgreSQL restarted right after a tick, appointments rescheduled or deleted as
their reminders go out. Runs where the suite runs on PostgreSQL and Redis (CI's
second pass), in about three minutes.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="the chaos run belongs to the PostgreSQL + Redis pass (DATABASE_URL)",
    ),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or not shutil.which("redis-server"),
        reason="needs Redis (REDIS_URL and redis-server)",
    ),
]


@pytest.fixture(scope="module")
def chaos_report(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("chaos")
    output = folder / "chaos.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "chaos.py"), "--quick",
         "--output", str(output), "--logs", str(folder / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(output.read_text())
    print(done.stdout)  # the table, shown with -s or on failure
    return report


SCENARIOS = ("worker_kill", "redis_outage", "pg_restart", "reschedule_delete_race")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_due_reminder_arrives_once_and_nothing_is_left_behind(chaos_report, scenario):
    result = chaos_report["scenarios"][scenario]
    assert result["rows_due"] == chaos_report["settings"]["rows_per_scenario"]
    counts = {key: result[key] for key in ("duplicates", "lost", "stale", "stuck_after_recovery")}
    assert counts == {"duplicates": 0, "lost": 0, "stale": 0, "stuck_after_recovery": 0}, result


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_worker_or_beat_dies_of_the_fault(chaos_report, scenario):
    assert chaos_report["scenarios"][scenario]["exited"] == []


def test_lateness_stays_within_the_fault_and_a_minute(chaos_report):
    settings = chaos_report["settings"]
    for name, result in chaos_report["scenarios"].items():
        outage = {"redis_outage": settings["redis_outage_s"], "pg_restart": settings["pg_outage_s"]}
        assert result["max_lateness_s"] is not None, name
        assert result["max_lateness_s"] < outage.get(name, 0) + 60, (name, result["max_lateness_s"])
