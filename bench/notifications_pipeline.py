"""Benchmark of the notification pipeline in the production topology (not a test).

PostgreSQL, a Redis broker, celery beat ticking with the DatabaseScheduler and real
worker processes send deliveries (half email, half SMS) to a loopback SMTP server and a
loopback Twilio fake, which run in a process of their own (bench/provider_fakes.py).

- Throughput, in rounds: each round renders N deliveries and sends them with the raw
  loop (bench/pipeline_raw.py: the ceiling), then makes the same N rows due at once and
  lets the pipeline send them. Raw and pipeline alternate, so the ratio holds on a noisy
  machine; the medians are reported. Run for each worker count in --workers.
- Arrival: rows falling due at --arrival-rate a second for --arrival-seconds; lateness
  (sent_at - due_at) p50/p99, to compare with the tick interval.
- Soak (--soak N): N deliveries in rounds of 10,000; worker memory after the first round
  and at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:54329/appointments_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:63799/5 \\
    .venv/bin/python bench/notifications_pipeline.py --json docs/bench/notifications_pipeline.json

--small runs everything small (CI's smoke test). The database is emptied of notifications
data first: give it one of its own.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    args = _arguments()
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        if not os.environ.get(name):
            sys.exit(f"set {name} (PostgreSQL and Redis: the production topology)")
    from bench.provider_fakes import ProviderFakes

    fakes = ProviderFakes()
    os.environ.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(fakes.smtp_port),
            "TWILIO_API_BASE_URL": fakes.twilio_url,
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = {"date": date.today().isoformat(), "pool": args.pool, "concurrency": args.concurrency}
    results["tick_s"] = args.interval
    try:
        results["throughput"] = [_throughput(args, fakes, workers) for workers in args.workers]
        if args.arrival_rate:
            results["arrival"] = _arrival(args, fakes)
        if args.soak:
            results["soak"] = _soak(args, fakes)
    finally:
        fakes.stop()
    _summarize(results)
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=10_000, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2])
    parser.add_argument("--pool", choices=["threads", "prefork"], default="prefork")
    parser.add_argument("--concurrency", type=int, default=2, help="processes or threads per worker")
    parser.add_argument("--interval", type=int, default=1, help="beat tick interval, seconds")
    parser.add_argument("--arrival-rate", type=int, default=300, help="rows falling due a second (0: skip)")
    parser.add_argument("--arrival-seconds", type=int, default=60)
    parser.add_argument("--soak", type=int, default=0, help="deliveries for the memory soak (0: skip)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--small", action="store_true", help="a smoke run: 200 rows, 1 round, short arrival")
    args = parser.parse_args()
    if args.small:
        args.deliveries, args.rounds, args.workers = 200, 1, [1]
        args.arrival_rate, args.arrival_seconds, args.soak, args.concurrency = 50, 4, 0, 4
    return args


def _cluster(args, fakes, workers: int):
    from bench.pipeline_cluster import Cluster

    return Cluster(
        workers=workers, pool=args.pool, concurrency=args.concurrency, interval=args.interval,
        smtp_port=fakes.smtp_port, twilio_url=fakes.twilio_url,
    )  # fmt: skip


def _throughput(args, fakes, workers: int) -> dict:
    from bench.pipeline_raw import raw_messages, raw_send

    cluster = _cluster(args, fakes, workers)
    rounds = []
    try:
        for _ in range(args.rounds):
            ids = _seed(args.deliveries)
            messages = raw_messages(ids, now=_far_future())
            fakes.reset()
            raw = raw_send(
                messages, processes=workers, smtp_port=fakes.smtp_port, twilio_url=fakes.twilio_url
            )
            received = fakes.counts()
            if received["emails"] + received["sms"] != len(messages):
                sys.exit(f"the raw loop sent {len(messages)} messages but the fakes received {received}")
            fakes.reset()
            rounds.append({"raw_per_s": raw, **_pipeline_round(args, fakes, first_due=_due_now())})
    finally:
        cluster.stop()
    pipeline = statistics.median(r["deliveries_per_s"] for r in rounds)
    raw = statistics.median(r["raw_per_s"] for r in rounds)
    ratio = statistics.median(r["deliveries_per_s"] / r["raw_per_s"] for r in rounds)
    return {
        "workers": workers, "deliveries": args.deliveries, "rounds": rounds,
        "deliveries_per_s": round(pipeline, 1), "raw_per_s": round(raw, 1), "ratio_to_raw": round(ratio, 3),
    }  # fmt: skip


def _arrival(args, fakes) -> dict:
    count = args.arrival_rate * args.arrival_seconds
    cluster = _cluster(args, fakes, max(args.workers))
    try:
        from bench.pipeline_data import seed_reminders

        fakes.reset()
        # The first row falls due once all are written (seeding 18,000 rows takes seconds).
        first_due = seed_reminders(count, lead=20.0, spread=float(args.arrival_seconds))
        result = _pipeline_round(args, fakes, first_due=first_due)
    finally:
        cluster.stop()
    return {
        "rate_per_s": args.arrival_rate,
        "seconds": args.arrival_seconds,
        "workers": max(args.workers),
        **result,
    }


def _soak(args, fakes) -> dict:
    cluster = _cluster(args, fakes, max(args.workers))
    chunk, sent, samples = 10_000, 0, []
    try:
        while sent < args.soak:
            _seed(min(chunk, args.soak - sent))
            fakes.reset()
            _pipeline_round(args, fakes, first_due=_due_now())
            sent += min(chunk, args.soak - sent)
            samples.append(
                {"delivered": sent, "worker_rss_mib": [kib / 1024 for kib in cluster.worker_rss_kib()]}
            )
    finally:
        cluster.stop()
    first, last = sum(samples[0]["worker_rss_mib"]), sum(samples[-1]["worker_rss_mib"])
    return {
        "deliveries": sent,
        "samples": samples,
        "worker_rss_growth_pct": round((last - first) / first * 100, 1),
    }


def _seed(count: int) -> list:
    """`count` reminder rows, due in an hour: nothing is sent until _pipeline_round makes them due."""
    from bench.pipeline_data import seed_reminders
    from notifications.models import Delivery

    seed_reminders(count, lead=3600.0, spread=0.0)
    return list(Delivery.objects.values_list("pk", flat=True))


def _far_future():
    from django.utils import timezone

    return timezone.now() + timedelta(hours=2)


def _due_now() -> datetime:
    """Make every row due a second from now, at once; when that is."""
    from django.utils import timezone

    from notifications.models import Delivery

    first_due = timezone.now() + timedelta(seconds=1)
    Delivery.objects.update(due_at=first_due)
    return first_due


def _pipeline_round(args, fakes, *, first_due: datetime) -> dict:
    """Wait until every row is settled; what the round came to."""
    from notifications.models import Delivery

    deadline = time.monotonic() + args.timeout
    while Delivery.objects.filter(status__in=["PENDING", "CLAIMED", "SENDING"]).exists():
        if time.monotonic() > deadline:
            sys.exit("timed out before every delivery was settled")
        time.sleep(0.25)
    return _round_figures(fakes, first_due)


def _round_figures(fakes, first_due: datetime) -> dict:
    from notifications.models import Delivery

    rows = list(Delivery.objects.values_list("status", "due_at", "sent_at"))
    sent = [(due, sent_at) for status, due, sent_at in rows if status == "SENT"]
    lateness = sorted((sent_at - due).total_seconds() for due, sent_at in sent)
    last = max(sent_at for _, sent_at in sent)
    received = fakes.counts()
    return {
        "deliveries_per_s": round(len(sent) / max((last - first_due).total_seconds(), 1e-9), 1),
        "sent": len(sent), "received": received["emails"] + received["sms"],
        "duplicates": received["email_duplicates"] + received["sms_duplicates"],
        "p50_lateness_s": round(statistics.median(lateness), 2),
        "p99_lateness_s": round(lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))], 2),
    }  # fmt: skip


def _summarize(results: dict) -> None:
    """The headline figures (the most workers measured) at the top level, and a markdown table."""
    best = results["throughput"][-1]
    results.update(
        deliveries_per_s=best["deliveries_per_s"], raw_per_s=best["raw_per_s"],
        ratio_to_raw=best["ratio_to_raw"], workers=best["workers"],
    )  # fmt: skip
    if "arrival" in results:
        results["p99_lateness_s"] = results["arrival"]["p99_lateness_s"]
    if "soak" in results:
        results["worker_rss_growth_pct"] = results["soak"]["worker_rss_growth_pct"]
    print(
        "| workers × pool | deliveries a round | pipeline deliveries/s | raw loop /s | ratio | p99 lateness |"
    )
    print("|---|---|---|---|---|---|")
    for row in results["throughput"]:
        p99 = statistics.median(r["p99_lateness_s"] for r in row["rounds"])
        print(
            f"| {row['workers']} × {results['pool']} {results['concurrency']} | {row['deliveries']} | "
            f"{row['deliveries_per_s']:.0f} | {row['raw_per_s']:.0f} | {row['ratio_to_raw']:.2f} | "
            f"{p99:.1f} s |"
        )


if __name__ == "__main__":
    main()
