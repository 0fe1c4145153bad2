"""Time operations inside one process, without HTTP: Django's test client on the benchmark's database.

Replays the first 100 requests of each named operation from the files that
bench/appointments_api.py wrote (var/bench/requests-*.tsv), 7 times, and prints the
best mean time per request: what one request costs in Python and SQL alone, for
comparing two versions of the code on a noisy machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appointments_bench \\
    .venv/bin/python bench/in_process.py bare get list_supervisor

Run it against the database appointments_api.py loaded (--reuse keeps one), with the
same SECRET_KEY (the tokens in the files are signed with it).
"""

import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def main(names: list[str], requests: int = 100, repeats: int = 7) -> None:
    import django

    django.setup()
    from django.test import Client

    from bench.api_operations import OUT
    from bench.api_requests import parse

    client = Client()
    for name in names:
        lines = (OUT / f"requests-{name}.tsv").read_text().splitlines()[:requests]
        calls = [parse(line) for line in lines]
        for method, path, headers, body in calls[:30]:  # warm up
            client.generic(method, path, body or "", content_type="application/json", **headers)
        best = float("inf")
        for _ in range(repeats):
            began = time.perf_counter()
            for method, path, headers, body in calls:
                response = client.generic(
                    method, path, body or "", content_type="application/json", **headers
                )
                if response.status_code >= 300:
                    sys.exit(f"{name}: {path} answered {response.status_code}")
            best = min(best, (time.perf_counter() - began) / len(calls))
        print(f"{name:16} {best * 1000:.2f} ms a request (best of {repeats} × {len(calls)})")


if __name__ == "__main__":
    main(sys.argv[1:] or ["bare", "get"])
