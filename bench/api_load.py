"""The API benchmark's load: wrk against gunicorn and pgbench -S against PostgreSQL, in interleaved rounds.

Also the memory run: one gunicorn worker's RSS while it serves request after request.
"""

import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bench.api_operations import PROJECT
from bench.api_report import ms
from bench.api_servers import free_port, rss_kib, start_gunicorn, stop_gunicorn, worker_pids


def measure_all(files: dict, chosen: list[str], args, levels: list[int]) -> dict:
    """Each concurrency level's measurements (see measure), on one gunicorn with --workers workers."""
    port = free_port()
    server = start_gunicorn(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        for name in chosen:
            wrk(base, files[name], connections=levels[0], seconds=2)  # warm up
        return {level: measure(base, files, chosen, args, level) for level in levels}
    finally:
        stop_gunicorn(server)


def measure(base: str, files: dict, chosen: list[str], args, connections: int) -> dict:
    """Requests/s and latency of each operation and of both ceilings, at one concurrency.

    The time is split into interleaved rounds: a slowdown of the machine then hits
    the ceilings and every operation alike, so their ratios hold.
    """
    runs: dict[str, list[dict]] = {name: [] for name in ["pgbench", *chosen]}
    seconds = max(1, round(args.seconds / args.rounds))
    with pgbench_tables() as pgbench_env:
        for number in range(args.rounds):
            runs["pgbench"].append(pgbench(pgbench_env, connections=connections, seconds=seconds))
            for name in chosen:
                runs[name].append(wrk(base, files[name], connections=connections, seconds=seconds))
            print(f"{connections} connection(s): round {number + 1}/{args.rounds} done", flush=True)
    results = {name: combine(rounds) for name, rounds in runs.items()}
    for name in chosen:
        print(f"  {name}: {results[name]['rps']:.0f} requests/s, p95 {ms(results[name], 'p95')} ms, "
              f"{results[name]['rps'] / results['bare']['rps']:.2f} of bare", flush=True)  # fmt: skip
    return results


def wrk(base: str, requests: Path, *, connections: int, seconds: float) -> dict:
    completed = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(PROJECT / "bench" / "requests.lua"), base, "--", str(requests)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    if result["non_2xx"] or result["socket_errors"]:
        print(
            f"warning: {requests.name}: {result['non_2xx']} non-2xx, {result['socket_errors']} socket errors"
        )
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


@contextlib.contextmanager
def pgbench_tables():
    """pgbench's tables (scale 10: a million accounts) in the benchmark's database, dropped after."""
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {**os.environ, "PGHOST": url.hostname or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "postgres", "PGDATABASE": url.path.lstrip("/")}  # fmt: skip
    if url.password:
        env["PGPASSWORD"] = url.password
    subprocess.run(["pgbench", "-i", "-q", "-s", "10"], check=True, env=env, capture_output=True)
    try:
        yield env
    finally:
        subprocess.run(["pgbench", "-i", "-I", "d"], check=True, env=env, capture_output=True)


def pgbench(env: dict, *, connections: int, seconds: int) -> dict:
    """pgbench's select-only transactions (one primary-key read each) over the same connections."""
    out = subprocess.run(
        ["pgbench", "-S", "-n", "-c", str(connections), "-j", "1", "-T", str(seconds)],
        check=True, env=env, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    return {"requests": transactions, "duration_us": int(transactions / tps * 1e6)}


def combine(rounds: list[dict]) -> dict:
    """All rounds of one operation: total requests over total time; each percentile the median round's."""
    requests = sum(r["requests"] for r in rounds)
    duration = sum(r["duration_us"] for r in rounds)
    combined = {"requests": requests, "duration_us": duration, "rps": requests / (duration / 1e6)}
    for key in ("p50_us", "p95_us", "p99_us", "non_2xx", "socket_errors"):
        if key in rounds[0]:
            values = [r[key] for r in rounds]
            combined[key] = sum(values) if key in ("non_2xx", "socket_errors") else statistics.median(values)
    return combined


def memory(requests: Path, args, *, connections: int) -> dict:
    """One gunicorn worker's RSS after warm-up, then every 5 s while it serves --memory-requests requests.

    A server of its own with a single worker, so that this one process serves all
    of them (every operation, in turn).
    """
    port = free_port()
    server = start_gunicorn(port, 1)
    base = f"http://127.0.0.1:{port}"
    try:
        (worker,) = worker_pids(server.pid)
        wrk(base, requests, connections=connections, seconds=10)  # warm up
        served, marks, rss = 0, [0], [rss_kib(worker)]
        while served < args.memory_requests:
            served += wrk(base, requests, connections=connections, seconds=5)["requests"]
            if not Path(f"/proc/{worker}").exists():
                sys.exit("the gunicorn worker restarted during the memory run: see var/bench/gunicorn.log")
            marks.append(served)
            rss.append(rss_kib(worker))
            print(f"memory: {served:,} requests, RSS {rss[-1] / 1024:.1f} MiB", flush=True)
    finally:
        stop_gunicorn(server)
    return {"requests": marks, "connections": connections, "rss_kib": rss}
