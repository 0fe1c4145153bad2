"""Benchmark of the appointments API on PostgreSQL at scale, against the machine's own ceilings (not a test).

Loads N appointments (default 1,000,000 over 50 applications and 2,000 agents,
each with its agent and a customer as participants) with COPY, serves the
service as docker-compose.yml does, and drives it with wrk on
loopback: GET by id, the list (a page of 25 in a date range, as a supervisor and
as an agent), create, reschedule, overlap count and count. In the same run it
measures two ceilings: pgbench's select-only TPS on the same database (one-row
reads) and a bare Django view returning the same appointment as JSON without
DRF (the framework floor). The bare view and GET by id are measured under each
serving stack of bench/api_stacks.py (gunicorn sync, gunicorn gthread and granian,
with and without access log) in the same rounds; every operation under --server
(docker-compose.yml's). Prints, per operation, requests/s, p50/p95/p99, SQL
queries per request and the ratios to both ceilings; the EXPLAIN plans of the
list, overlap and count queries; and the memory of one worker serving
--memory-requests requests. The figures go to --json as well.

    .venv/bin/python bench/appointments_api.py

With no DATABASE_URL it starts a PostgreSQL of its own on loopback (.ci/services.sh,
in var/bench/pg) and stops it at the end; with one, that database is emptied of
tenants first: give it one of its own. --reuse keeps a history loaded earlier.
Debian's wrk and pgbench are installed first when missing (as root).
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

# The project on the path before bench and the apps are imported (run as a script, only bench/ is).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

from bench import api_load, api_queries, api_report, api_servers, api_stacks  # noqa: E402
from bench.api_operations import OPERATIONS, OUT  # noqa: E402
from bench.api_requests import request_files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--agents", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=730, help="the history spans this many days around now")
    parser.add_argument("--workers", type=int, default=3, help="workers of each stack (compose: 3)")
    parser.add_argument(
        "--server",
        default=api_stacks.DEFAULT,
        choices=list(api_stacks.STACKS),
        help="the serving stack every operation runs on (default: docker-compose.yml's)",
    )
    parser.add_argument(
        "--compare",
        default=",".join(api_stacks.STACKS),
        help="stacks measured on the bare view and GET by id in the same rounds, comma-separated",
    )
    parser.add_argument(
        "--json",
        default=str(OUT.parent.parent / "docs" / "bench" / "appointments_api.json"),
        help="where the figures go as JSON (default: the file docs/benchmarks.md cites)",
    )
    parser.add_argument(
        "--connections",
        default="1,2",
        help="concurrency levels (wrk connections), comma-separated: one table each",
    )
    parser.add_argument(
        "--seconds", type=int, default=30, help="each operation's time under load on each stack, in all"
    )
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds of the seconds")
    parser.add_argument("--memory-requests", type=int, default=100_000, help="0 skips the memory run")
    parser.add_argument(
        "--operations",
        default=",".join(name for name, _label, _reads in OPERATIONS),
        help="comma-separated subset to run (for quick iterations; the report needs them all)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep a history loaded by an earlier run")
    parser.add_argument("--cold", action="store_true", help="do not prewarm PostgreSQL's cache")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    # Stopped with SIGTERM, still stop gunicorn and PostgreSQL (the finally clauses).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    api_servers.install_tools()
    services = None
    if not os.environ.get("DATABASE_URL"):
        services = api_servers.start_postgres()
    try:
        run(args)
    finally:
        if services:
            api_servers.stop_postgres(services)


def run(args) -> None:
    import django

    django.setup()
    data = _history(args)
    args.prewarmed = not args.cold and api_servers.prewarm()
    files, samples = request_files(data)
    queries, plans = api_queries.queries_and_plans(samples)
    api_report.plans_write(plans)

    chosen = ["bare", *args.operations.split(",")]
    levels = [int(level) for level in args.connections.split(",")]
    results = api_load.measure_all(files, chosen, args, levels)
    memory = None
    if args.memory_requests:
        memory = api_load.memory(files["mixed"], args, connections=max(levels))
    if memory is None or len(chosen) < len(OPERATIONS) + 1:
        return  # a partial run: the lines above are all it has
    api_report.report_write(args, data, results, queries, plans, memory)


def _history(args):
    """The appointment history: an earlier run's with --reuse when it is large enough, else loaded anew."""
    from django.core.management import call_command

    from bench import dataset

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as the production image does
    began = time.monotonic()
    data = dataset.existing() if args.reuse else None
    if data is None or data.appointments < args.appointments or len(data.agents) != args.agents:
        data = dataset.load(
            appointments=args.appointments, applications=args.applications, agents=args.agents, days=args.days
        )
        print(f"loaded {data.appointments:,} appointments in {time.monotonic() - began:.0f} s", flush=True)
    return data


if __name__ == "__main__":
    main()
