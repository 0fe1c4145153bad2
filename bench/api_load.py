"""The API benchmark's load: wrk against each serving stack and pgbench -S against PostgreSQL, interleaved.

Also the memory run: one worker's RSS while it serves request after request.
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

from bench.api_operations import COMPARED, PROJECT
from bench.api_report import ms
from bench.api_servers import (
    cpu_seconds,
    free_port,
    keeps_alive,
    rss_kib,
    start_server,
    stop_server,
    worker_pids,
)
from bench.api_stacks import STACKS


def measure_all(files: dict, operations: list[str], args, levels: list[int]) -> dict:
    """Each concurrency level's measurements (see measure), every stack serving at once.

    Each stack runs --workers workers on a port of its own, all of them started
    before the first measurement, so that one round visits them all.
    """
    names = stack_names(args)
    servers, ports = {}, {}
    try:
        for name in names:
            ports[name] = free_port()
            servers[name] = start_server(STACKS[name], ports[name], args.workers)
        bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        warm_up = min(2, max(1, round(args.seconds / args.rounds)))
        for name in names:
            for operation in served(name, operations, args):
                wrk(bases[name], files[operation], connections=levels[0], seconds=warm_up)
        with pgbench_tables() as pgbench_env:
            results = {
                level: measure(bases, files, operations, args, level, pgbench_env, servers)
                for level in levels
            }
        for measured in results.values():
            measured["keep_alive"] = {name: keeps_alive(port) for name, port in ports.items()}
        return results
    finally:
        for server in servers.values():
            stop_server(server)


def stack_names(args) -> list[str]:
    """The stacks compared: --compare, with --server (the one every operation runs on) first."""
    names = [args.server, *(name for name in args.compare.split(",") if name and name != args.server)]
    unknown = [name for name in names if name not in STACKS]
    if unknown:
        sys.exit(f"unknown serving stack(s) {unknown}: choose among {', '.join(STACKS)}")
    return names


def served(name: str, operations: list[str], args) -> list[str]:
    """What a stack is measured on: every operation on --server, the bare view and GET by id on the others."""
    return operations if name == args.server else [op for op in operations if op in COMPARED]


def measure(
    bases: dict, files: dict, operations: list[str], args, connections: int, pgbench_env, servers
) -> dict:
    """Requests/s and latency of each operation on each stack, and pgbench -S, at one concurrency.

    The time is split into interleaved rounds, and each round visits the stacks in
    a different order: a slowdown of the machine then hits the ceilings, every
    stack and every operation alike, so their ratios hold. Each run also counts the
    CPU time the stack's processes used (cpu_ms: per request), which the machine's
    other work does not change.
    """
    names = list(bases)
    runs: dict[str, dict[str, list[dict]]] = {
        name: {op: [] for op in served(name, operations, args)} for name in names
    }
    pgbench_runs: list[dict] = []
    seconds = max(1, round(args.seconds / args.rounds))
    for number in range(args.rounds):
        pgbench_runs.append(pgbench(pgbench_env, connections=connections, seconds=seconds))
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            for op, rounds in runs[name].items():
                before = cpu_seconds(servers[name].pid)
                rounds.append(wrk(bases[name], files[op], connections=connections, seconds=seconds))
                rounds[-1]["cpu_s"] = cpu_seconds(servers[name].pid) - before
        print(f"{connections} connection(s): round {number + 1}/{args.rounds} done", flush=True)
    results = {
        "pgbench": combine(pgbench_runs),
        "servers": {name: {op: combine(rounds) for op, rounds in ops.items()} for name, ops in runs.items()},
    }
    for name, measured in results["servers"].items():
        for op, r in measured.items():
            print(f"  {name} {op}: {r['rps']:.0f} requests/s, p95 {ms(r, 'p95')} ms, "
                  f"{r['rps'] / measured['bare']['rps']:.2f} of bare, {r['cpu_ms']:.2f} CPU ms",
                  flush=True)  # fmt: skip
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
    if "cpu_s" in rounds[0]:
        combined["cpu_ms"] = 1000 * sum(r["cpu_s"] for r in rounds) / requests
    for key in ("p50_us", "p95_us", "p99_us", "non_2xx", "socket_errors"):
        if key in rounds[0]:
            values = [r[key] for r in rounds]
            combined[key] = sum(values) if key in ("non_2xx", "socket_errors") else statistics.median(values)
    return combined


def memory(requests: Path, args, *, connections: int) -> dict:
    """One worker's RSS after warm-up, then every 5 s while it serves --memory-requests requests.

    A server of its own (--server) with a single worker, so that this one process
    serves all of them (every operation, in turn).
    """
    port = free_port()
    server = start_server(STACKS[args.server], port, 1)
    base = f"http://127.0.0.1:{port}"
    try:
        (worker,) = worker_pids(server.pid)
        wrk(base, requests, connections=connections, seconds=10)  # warm up
        served, marks, rss = 0, [0], [rss_kib(worker)]
        while served < args.memory_requests:
            served += wrk(base, requests, connections=connections, seconds=5)["requests"]
            if not Path(f"/proc/{worker}").exists():
                sys.exit(f"the worker restarted during the memory run: see var/bench/{args.server}.log")
            marks.append(served)
            rss.append(rss_kib(worker))
            print(f"memory: {served:,} requests, RSS {rss[-1] / 1024:.1f} MiB", flush=True)
    finally:
        stop_server(server)
    return {"server": args.server, "requests": marks, "connections": connections, "rss_kib": rss}
