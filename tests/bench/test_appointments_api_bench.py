"""The API benchmark's one command still runs end to end (at a tiny size), on PostgreSQL.

Not a measurement: it checks that the documented command loads its history, serves
it with every serving stack it compares (docker-compose.yml's among them), drives
them with wrk, measures the ceilings, prints the whole report and writes the
figures docs/bench/appointments_api.json holds (here to a file of the test's own).
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from bench.api_stacks import DEFAULT, STACKS

PROJECT = Path(__file__).resolve().parents[2]
URL = os.environ.get("DATABASE_URL", "")
OPERATIONS = ["get", "list_supervisor", "list_agent", "create", "reschedule", "overlap", "count"]

pytestmark = pytest.mark.skipif(
    not URL.startswith("postgres"), reason="needs PostgreSQL: the benchmark loads its history with COPY"
)


def own_database() -> str:
    """A database of the benchmark's own beside the test database (the benchmark empties its tenants)."""
    parts = urlsplit(URL)
    name = f"{parts.path.lstrip('/') or 'appointments'}_bench_smoke"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def test_the_benchmark_runs_every_operation_and_reports_them(tmp_path):
    database = own_database()
    figures = tmp_path / "appointments_api.json"
    command = [
        sys.executable, "bench/appointments_api.py", "--appointments", "2000", "--applications", "2",
        "--agents", "10", "--days", "60", "--seconds", "2", "--rounds", "2", "--memory-requests", "1500",
        "--json", str(figures),
    ]  # fmt: skip

    run = subprocess.run(
        command, cwd=PROJECT, env={**os.environ, "DATABASE_URL": database},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((PROJECT / "var" / "bench" / "appointments_api.json").read_text())
    assert results["server"] == DEFAULT
    assert set(results["levels"]) == {"1", "2"}
    for measured in results["levels"].values():
        servers = measured["servers"]
        assert set(servers) == set(STACKS)
        assert set(servers[DEFAULT]) == {"bare", *OPERATIONS}  # every operation on compose's stack
        assert all(set(ops) == {"bare", "get"} for name, ops in servers.items() if name != DEFAULT)
        runs = [measured["pgbench"], *(r for ops in servers.values() for r in ops.values())]
        assert all(run["requests"] > 0 and run["rps"] > 0 for run in runs)
        assert all(run.get("socket_errors", 0) == 0 and run.get("non_2xx", 0) == 0 for run in runs)
        # Keep-alive as configured: sync workers close every connection, the others keep it.
        assert measured["keep_alive"] == {name: stack.keeps_alive for name, stack in STACKS.items()}
    assert set(results["plans"]) == {"list_supervisor", "list_agent", "overlap", "count"}
    # The same SQL per request as at a million appointments (docs/benchmarks.md).
    queries = results["queries"]
    assert (queries["get"], queries["overlap"], queries["count"]) == ([2, 2], [1, 1], [1, 1])
    assert queries["list_supervisor_page_1"] == queries["list_supervisor_page_25"] == [3, 3]
    assert queries["list_supervisor_page_100"][1] <= 3  # 2 when a page of 100 holds the whole week
    assert results["memory"]["requests"][-1] >= 1500 and len(results["memory"]["rss_kib"]) >= 2
    assert results["memory"]["server"] == DEFAULT
    report = (PROJECT / "var" / "bench" / "appointments_api.md").read_text()
    assert report.count("| GET /api/appointments/{id} (agent) |") == 2 and "| RSS MiB |" in report
    assert report.count(f"| {STACKS['gunicorn-sync'].label} | no |") == 2

    summary = json.loads(figures.read_text())
    assert summary["server"] == DEFAULT and summary["connections"] == 1 and summary["date"]
    assert summary["server_command"] == STACKS[DEFAULT].command("0.0.0.0", 8000, 3)  # noqa: S104
    chosen = summary["servers"][DEFAULT]
    assert summary["pgbench_tps"] > 0 and summary["bare_rps"] == chosen["bare_rps"] > 0
    assert summary["get_rps"] == chosen["get_rps"] > 0
    ratio = pytest.approx(summary["get_rps"] / summary["bare_rps"], rel=0.01)
    assert summary["get_vs_bare"] == ratio
    assert summary["get_vs_pgbench"] == pytest.approx(summary["get_rps"] / summary["pgbench_tps"], rel=0.01)
    assert set(summary["p95_ms"]) == {"bare", *OPERATIONS}
    assert all(value > 0 for value in summary["p95_ms"].values())
    assert set(summary["servers"]) == set(STACKS) and set(summary["levels"]) == {"1", "2"}
    assert set(summary["targets_met"]) == {"get_vs_bare", "get_vs_pgbench", "p95_ms"}

    with psycopg.connect(database) as connection:
        loaded, broken = connection.execute(
            'SELECT count(*), count(*) FILTER (WHERE "end" <> start + duration) FROM appointments_appointment'
        ).fetchone()
        customers = connection.execute(
            "SELECT count(DISTINCT appointment_id) FROM participants_participant WHERE type = 'CUSTOMER'"
        ).fetchone()[0]
    assert loaded >= 2000 and broken == 0
    assert customers >= 2000  # every appointment has its customer (creates add theirs)
