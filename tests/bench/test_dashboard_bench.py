"""The dashboard benchmark's command still runs end to end in its --small mode, on PostgreSQL.

Not a measurement: it checks that the documented command seeds its rows, times each of
the dashboard's ten queries in every scenario and writes the figures docs/bench/dashboard.json
holds (here to a file of the test's own).
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from bench.dashboard import QUERY_NAMES, SCENARIOS

PROJECT = Path(__file__).resolve().parents[2]
URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not URL.startswith("postgres"), reason="needs PostgreSQL: the benchmark seeds with INSERT … SELECT"
)


def own_database() -> str:
    """A database of the benchmark's own beside the test database (the benchmark empties its tenants)."""
    parts = urlsplit(URL)
    name = f"{parts.path.lstrip('/') or 'appointments'}_dashboard_smoke"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def test_the_benchmark_seeds_and_times_every_query_of_every_scenario(tmp_path):
    figures = tmp_path / "dashboard.json"
    run = subprocess.run(
        [sys.executable, "bench/dashboard.py", "--small", "--json", str(figures)],
        cwd=PROJECT, env={**os.environ, "DATABASE_URL": own_database()},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(figures.read_text())
    assert results["rows"] == {"appointments": 20_000, "participants": 40_000, "deliveries": 40_000}
    assert results["applications"] == 50 and results["rounds"] == 5
    assert set(results["scenarios"]) == set(SCENARIOS)
    for scenario in results["scenarios"].values():
        assert [query["query"] for query in scenario["each"]] == QUERY_NAMES
        assert 0 < scenario["p50_ms"] <= scenario["p95_ms"]
        assert all(query["scans"] for query in scenario["each"])
