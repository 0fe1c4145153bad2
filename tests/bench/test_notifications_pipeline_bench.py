"""The pipeline benchmark's command still runs end to end (its --small mode), on PostgreSQL and Redis.

Not a measurement: it checks that real workers and beat send every seeded delivery
exactly once in the raw-loop and pipeline rounds and the arrival run, and that the
figures docs/bench/notifications_pipeline.json holds are written.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.test_appointments_api_bench import own_database

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL and Redis: the production topology",
    ),
]


def test_the_pipeline_benchmark_sends_everything_once_and_writes_its_figures(tmp_path):
    figures = tmp_path / "notifications_pipeline.json"
    environment = {
        **os.environ,
        "DATABASE_URL": own_database(),
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
    }

    run = subprocess.run(
        [sys.executable, "bench/notifications_pipeline.py", "--small", "--json", str(figures)],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(figures.read_text())
    for key in (
        "deliveries_per_s",
        "raw_per_s",
        "ratio_to_raw",
        "tick_s",
        "p99_lateness_s",
        "workers",
        "date",
    ):
        assert key in results
    [throughput] = results["throughput"]
    for measured in [*throughput["rounds"], results["arrival"]]:
        assert measured["sent"] == measured["received"] == 200 and measured["duplicates"] == 0
    assert throughput["raw_per_s"] > 0 and results["deliveries_per_s"] > 0
    assert "| workers × pool |" in run.stdout
