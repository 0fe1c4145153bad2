"""Where a delivery's CPU goes: send N due deliveries in this process under cProfile (not a test).

Seeds N due reminders (half email, half SMS) like bench/notifications_pipeline.py, sends
them with the same code a worker runs (`deliveries_dispatch_now`) against the loopback
SMTP and Twilio fakes, and prints the top functions by own time and by cumulative time,
as markdown tables (docs/notifications-pipeline.md keeps one before and one after).

    DATABASE_URL=postgres://... .venv/bin/python bench/pipeline_profile.py --deliveries 2000
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a line per delivery would be profiled too


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    from bench.fakes import SmtpSink, TwilioFake

    smtp, twilio = SmtpSink().start(), TwilioFake().start()
    os.environ.update({
        "EMAIL_HOST": smtp.host, "EMAIL_PORT": str(smtp.port), "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench-token", "TWILIO_API_BASE_URL": twilio.base_url,
        "NOTIFICATIONS_TWILIO_STATUS_CALLBACK": "0",
    })  # fmt: skip
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from bench.pipeline_data import seed_reminders
    from notifications.pipeline.tick import deliveries_dispatch_now

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    seed_reminders(args.deliveries, lead=-1.0, spread=0.0)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    outcomes = deliveries_dispatch_now()
    profiler.disable()
    elapsed = time.perf_counter() - started
    smtp.stop()
    twilio.stop()
    sent = outcomes.get("sent", 0)
    per_delivery = elapsed / max(sent, 1) * 1000
    print(f"{dict(outcomes)} in {elapsed:.1f} s: {per_delivery:.2f} ms a delivery (profiled)")
    stats = pstats.Stats(profiler, stream=io.StringIO())
    for key, title in (("tottime", "own time"), ("cumtime", "cumulative time")):
        print(f"\n| function ({title}) | calls | own ms/delivery | cumulative ms/delivery |")
        print("|---|---|---|---|")
        column = 2 if key == "tottime" else 3
        rows = sorted(stats.stats.items(), key=lambda item: item[1][column], reverse=True)
        for (path, line, name), (_, calls, own, cumulative, _) in rows[: args.top]:
            where = f"{Path(path).name}:{line} {name}" if line else name
            print(f"| `{where}` | {calls} | {own / sent * 1000:.3f} | {cumulative / sent * 1000:.3f} |")


if __name__ == "__main__":
    main()
