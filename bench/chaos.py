"""Chaos test of the notification pipeline in the production topology: faults injected from outside.

Starts a PostgreSQL and a Redis of its own (.ci/services.sh in a temporary folder,
Redis with its append-only file as in production), 2 Celery workers (prefork, as
compose runs them) and 2 beats, a loopback SMTP server and a loopback Twilio fake.
For each scenario it seeds a batch of reminders (half email, half SMS, one per
recipient) falling due over --spread seconds, injects one fault in the middle, then
waits until every due row is settled or until recovery + --settle seconds, and counts
at the fakes and in the database:

  duplicates            messages received beyond one per due delivery of a recipient
  lost                  due deliveries neither received nor CANCELLED
  stale                 CANCELLED deliveries that were received anyway
  stuck_after_recovery  due rows still PENDING, CLAIMED or SENDING at the end
  p99_lateness_s        arrival at the fake minus due_at (p50 and max too)

Scenarios: baseline (no fault); worker_kill (kill -9 of a worker's process group
while it runs a dispatch tick; restarted a second later, as compose's restart policy
would); redis_outage (Redis stopped for --redis-outage s, started again on its AOF);
pg_restart (PostgreSQL stopped right after a tick, started --pg-outage s later);
reschedule_delete_race (every appointment rescheduled or deleted through the
appointments services just as its reminders fall due). A worker or beat that exits
by itself is reported under "exited" and is not restarted until the next scenario.

    .venv/bin/python bench/chaos.py                # 1,200 rows, 30 s outage: writes docs/bench/chaos.json
    .venv/bin/python bench/chaos.py --quick --output /tmp/chaos.json   # CI-sized, under 4 minutes

Logs of every process: var/chaos/ (or --logs).
"""

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench.chaos_fleet import (  # noqa: E402
    Fleet,
    LogWatch,
    Services,
    StampedSmtp,
    StampedTwilio,
    create_database,
    fleet_env,
)

SCENARIOS = ("baseline", "worker_kill", "redis_outage", "pg_restart", "reschedule_delete_race")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="240 rows over 15 s, 10 s Redis outage")
    parser.add_argument("--rows", type=int, help="deliveries per scenario (1200; quick 240)")
    parser.add_argument("--spread", type=float, help="seconds over which they fall due (60; quick 15)")
    parser.add_argument("--redis-outage", type=float, help="seconds Redis is down (30; quick 10)")
    parser.add_argument("--pg-outage", type=float, help="seconds PostgreSQL is down (10; quick 5)")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds allowed after recovery")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--beats", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4, help="pool processes per worker")
    parser.add_argument("--interval", type=int, default=2, help="beat tick interval, seconds")
    parser.add_argument("--scenarios", help="comma-separated (default all; --quick: all but baseline)")
    parser.add_argument("--output", type=Path, help="JSON report (default docs/bench/chaos.json)")
    parser.add_argument("--logs", type=Path, default=PROJECT / "var" / "chaos")
    args = parser.parse_args(argv)
    full, quick = (1200, 60.0, 30.0, 10.0), (240, 15.0, 10.0, 5.0)
    defaults = quick if args.quick else full
    for name, default in zip(("rows", "spread", "redis_outage", "pg_outage"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.output is None:
        args.output = PROJECT / "docs" / "bench" / "chaos.json"
    default_scenarios = SCENARIOS[1:] if args.quick else SCENARIOS
    args.scenarios = [name for name in (args.scenarios or ",".join(default_scenarios)).split(",") if name]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # SIGTERM or SIGINT (even when started in the background, where SIGINT is ignored) ends the
    # run through the `finally` blocks: workers, beats and servers are stopped, not left behind.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupted)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-services-") as state:
        services = Services(Path(state))
        urls = services.start()
        try:
            return _run(args, services, urls, started)
        finally:
            services.run("stop")


def _run(args, services: Services, urls: dict[str, str], started: float) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = urls["DATABASE_URL"]
    os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"] = urls["REDIS_URL"]
    create_database(urls["DATABASE_URL"])

    import django

    django.setup()
    import logging

    from django.core.management import call_command

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    call_command("migrate", verbosity=0)

    from bench import chaos_scenarios

    smtp, twilio = StampedSmtp().start(), StampedTwilio().start()
    env = fleet_env(
        dict(os.environ), smtp=smtp, twilio=twilio, interval=args.interval,
        queue=f"chaos-{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    fleet = Fleet(env, args.logs, workers=args.workers, beats=args.beats, concurrency=args.concurrency)
    for name in fleet.names:
        fleet.log(name).unlink(missing_ok=True)
    fleet.start_all()
    results = {}
    try:
        _wait_for_first_tick(fleet)
        for index, name in enumerate(args.scenarios):
            restarted = fleet.restart_dead()
            if restarted:
                _wait_for_first_tick(fleet)
            print(f"--- {name}", flush=True)
            results[name] = chaos_scenarios.run(
                name, index=index, args=args, fleet=fleet, services=services, smtp=smtp, twilio=twilio
            )
            if restarted:
                results[name]["restarted_before"] = restarted
            print(json.dumps(results[name]), flush=True)
    finally:
        fleet.stop_all()
        smtp.stop()
        twilio.stop()
    report = chaos_scenarios.report(args, results, wall_time_s=time.monotonic() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    chaos_scenarios.print_table(report)
    print(f"written to {args.output}")
    return 0


def _interrupted(signum, frame):
    raise SystemExit(128 + signum)


def _wait_for_first_tick(fleet: Fleet, timeout: float = 60.0) -> None:
    """Until some worker runs a dispatch tick from now on: the fleet is up and connected."""
    watches = [LogWatch(fleet.log(name)) for name in fleet.workers()]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for watch in watches:
            if any("dispatch_tick" in line and "succeeded" in line for line in watch.new_lines()):
                return
        time.sleep(0.2)
    raise SystemExit(f"no dispatch tick ran within {timeout:.0f} s: see {fleet.logs}")


if __name__ == "__main__":
    sys.exit(main())
