"""Benchmark of the notification pipeline in the production topology (not a test).

PostgreSQL, a Redis broker, celery beat ticking with the DatabaseScheduler and
real worker processes send N due deliveries (half email, half SMS) through a
loopback SMTP server and a loopback Twilio fake. The deliveries fall due
evenly over --spread seconds. Prints deliveries/s, p50/p99 lateness (sent_at -
due_at) and each worker's peak RSS, as a markdown table row.

    DATABASE_URL=postgres://postgres@127.0.0.1:54329/appointments_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:63799/5 \\
    .venv/bin/python bench/notifications_pipeline.py --deliveries 10000

The database is emptied of notifications data first: give it one of its own.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="threads per worker")
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which rows fall due")
    parser.add_argument("--interval", type=int, default=1, help="beat tick interval, seconds")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        if not os.environ.get(name):
            sys.exit(f"set {name} (PostgreSQL and Redis: the production topology)")

    import django

    django.setup()
    import logging

    from django.core.management import call_command

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command

    from bench.fakes import SmtpSink, TwilioFake
    from bench.pipeline_data import seed_reminders

    call_command("migrate", verbosity=0)
    smtp, twilio = SmtpSink().start(), TwilioFake().start()
    start_at = seed_reminders(args.deliveries, lead=5.0, spread=args.spread)
    env = {
        **os.environ,
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "NOTIFICATIONS_TWILIO_STATUS_CALLBACK": "0",
        "NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS": str(args.interval),
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "WARNING",
    }
    logs = PROJECT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    children = []
    for n in range(args.workers):
        children.append(_start(env, logs / f"worker-{n}.log", [
            "worker", "--pool", "threads", "--concurrency", str(args.concurrency),
            "--hostname", f"bench{n}@%h",
            # The send queue and the ticks' own queue (config/settings/base.py).
            "--queues", f"{env['CELERY_TASK_DEFAULT_QUEUE']},{env['CELERY_TASK_DEFAULT_QUEUE']}-dispatch",
            "--without-gossip", "--without-mingle",
            "--loglevel", "WARNING",
        ]))  # fmt: skip
    workers = list(children)
    children.append(
        _start(
            env,
            logs / "beat.log",
            ["beat", "--schedule", str(logs / "beat-schedule"), "--loglevel", "WARNING"],
        )
    )
    try:
        peaks = _wait(args, workers)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)
        smtp.stop()
        twilio.stop()
    _report(args, peaks, received=len(smtp.messages) + len(twilio.requests), start_at=start_at)


def _start(env, log_path: Path, celery_args: list[str]) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 (lives as long as the process)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *celery_args],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _wait(args, workers) -> list[int]:
    from notifications.models import Delivery

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if not Delivery.objects.filter(status__in=["PENDING", "CLAIMED", "SENDING"]).exists():
            break
        time.sleep(0.5)
    else:
        sys.exit("timed out before every delivery was settled")
    return [_peak_rss_kib(worker.pid) for worker in workers]


def _report(args, peaks: list[int], *, received: int, start_at: datetime) -> None:
    from notifications.models import Delivery

    rows = list(Delivery.objects.values_list("status", "due_at", "sent_at"))
    sent = [(due, sent_at) for status, due, sent_at in rows if status == "SENT"]
    lateness = sorted((sent_at - due).total_seconds() for due, sent_at in sent)
    first, last = min(s for _, s in sent), max(s for _, s in sent)
    rate = len(sent) / max((last - min(start_at, first)).total_seconds(), 1e-9)
    p50 = statistics.median(lateness)
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    print(f"deliveries {len(rows)}, sent {len(sent)}, received by the fakes {received}")
    print(
        "| deliveries | workers × threads | tick | deliveries/s | p50 lateness | p99 lateness "
        "| worker peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {len(rows)} | {args.workers} × {args.concurrency} | {args.interval} s | {rate:.0f} | "
        f"{p50:.2f} s | {p99:.2f} s | {', '.join(f'{kib / 1024:.0f} MiB' for kib in peaks)} |"
    )


if __name__ == "__main__":
    main()
