"""The API benchmark's report: the plans and the tables it prints, and the files it keeps them in."""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench.api_operations import EXPLAINED, OPERATIONS, OUT
from bench.api_stacks import STACKS
from bench.api_summary import summary_write


def plans_write(plans: dict[str, str]) -> None:
    """Print the plans and keep them in var/bench/plans.txt."""
    plans_text = "\n\n".join(f"-- {name}\n{plan}" for name, plan in plans.items())
    print(
        f"EXPLAIN (ANALYZE, BUFFERS) of the list, overlap and count requests' statements:\n\n{plans_text}\n"
    )
    (OUT / "plans.txt").write_text(plans_text)


def report_write(args, data, results, queries, plans, memory) -> None:
    """Print the report and keep it in var/bench/appointments_api.md, all its numbers in .json beside it.

    The figures docs/benchmarks.md cites go to --json (api_summary).
    """
    text = report(args, data, results, queries, plans, memory)
    print(text)
    (OUT / "appointments_api.md").write_text(text)
    summary_write(args, data, results)
    (OUT / "appointments_api.json").write_text(
        json.dumps(
            {
                "server": args.server,
                "levels": {str(level): measured for level, measured in results.items()},
                "queries": queries,
                "memory": memory,
                "plans": {
                    name: "Seq Scan on appointments_appointment" not in plan for name, plan in plans.items()
                },
            },
            indent=2,
            default=str,
        )
    )


def report(args, data, results, queries, plans, memory) -> str:
    lines = _header(args, data)
    for level, measured in results.items():
        lines += stacks_table(level, measured)
    for level, measured in results.items():
        lines += _level_table(level, measured, args.server, queries)
    pages = ", ".join(f"{size}: {span(queries[f'list_supervisor_page_{size}'])}" for size in (1, 25, 100))
    lines += ["", f"Supervisor list queries by page size: {pages}.", ""]
    lines += _memory_table(memory)
    lines.append("")
    for name in EXPLAINED:
        seq = "Seq Scan on appointments_appointment" in plans.get(name, "")
        lines.append(f"Plan of {name}: {'SEQUENTIAL SCAN on appointments' if seq else 'index scans only'}.")
    lines += ["", "The plans themselves were printed above and are kept in var/bench/plans.txt.", ""]
    return "\n".join(lines)


def _header(args, data) -> list[str]:
    import django
    from django.db import connection

    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return [
        f"# Appointments API at {data.appointments:,} appointments",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, {memory_kib / 2**20:.0f} GiB; "
        f"Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {server_version} "
        f"(fsync {fsync}, shared_buffers {shared_buffers}, "
        f"history {'prewarmed' if args.prewarmed else 'cold'}); "
        f"every serving stack with {args.workers} workers, all serving at once; every operation on "
        f"{args.server}; wrk 1 thread; {args.seconds} s per stack, "
        f"operation and concurrency in {args.rounds} interleaved rounds; {len(data.applications)} "
        f"applications, {len(data.agents):,} agents. SQL queries per request with the token's application "
        "already known to the process (the first request naming it in 30 s costs one more).",
    ]


def _level_table(level: int, measured: dict, stack: str, queries: dict) -> list[str]:
    server = measured["servers"][stack]
    bare, pg = server["bare"], measured["pgbench"]
    lines = [
        "",
        f"Every operation on {STACKS[stack].label}, {_connections(level)} at a time:",
        "",
        "| operation | requests/s | p50 ms | p95 ms | p99 ms | SQL queries | ÷ pgbench -S | ÷ bare Django |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| pgbench -S (one primary-key read, same database) | {pg['rps']:,.0f} | | | | 1 | 1.00 | |",
        f"| bare Django view, same appointment as JSON | {bare['rps']:,.0f} | {ms(bare, 'p50')} "
        f"| {ms(bare, 'p95')} | {ms(bare, 'p99')} | {span(queries['bare'])} "
        f"| {bare['rps'] / pg['rps']:.3f} | 1.00 |",
    ]
    for name, label, _reads in OPERATIONS:
        r = server[name]
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {ms(r, 'p50')} | {ms(r, 'p95')} | {ms(r, 'p99')} "
            f"| {span(queries[name])} | {r['rps'] / pg['rps']:.3f} | {r['rps'] / bare['rps']:.2f} |"
        )
    errors = {
        f"{stack} {name}": (r.get("non_2xx", 0), r.get("socket_errors", 0))
        for stack, ops in measured["servers"].items()
        for name, r in ops.items()
        if r.get("non_2xx") or r.get("socket_errors")
    }
    if errors:
        lines += ["", f"Errors (non-2xx, socket): {errors}"]
    return lines


def _memory_table(memory: dict) -> list[str]:
    marks, rss = memory["requests"], memory["rss_kib"]
    steps = [
        min(range(len(marks)), key=lambda n: abs(marks[n] - marks[-1] * tenth / 10)) for tenth in range(11)
    ]
    return [
        f"One {memory['server']} worker serving {marks[-1]:,} requests of every operation in turn "
        f"({_connections(memory['connections'])}), its RSS after warm-up and then as it goes:",
        "",
        "| requests served | " + " | ".join(f"{marks[n]:,}" for n in steps) + " |",
        "|---|" + "---:|" * len(steps),
        "| RSS MiB | " + " | ".join(f"{rss[n] / 1024:.1f}" for n in steps) + " |",
        "",
        f"Peak {max(rss) / 1024:.1f} MiB; from after warm-up to the end "
        f"{100 * (rss[-1] - rss[0]) / rss[0]:+.1f}%.",
    ]


def ms(result: dict, key: str) -> str:
    return f"{result[f'{key}_us'] / 1000:.1f}"


def span(pair) -> str:
    low, high = pair
    return str(low) if low == high else f"{low}–{high}"


def stacks_table(level: int, measured: dict) -> list[str]:
    """The bare view and GET by id on every stack, against pgbench -S of the same rounds."""
    pg = measured["pgbench"]
    lines = [
        "",
        f"The serving stacks, {_connections(level)} at a time (pgbench -S: {pg['rps']:,.0f} TPS):",
        "",
        "| serving stack | keeps alive | bare req/s | bare p95 ms | GET req/s | GET p50 ms | GET p95 ms "
        "| GET ÷ bare | GET ÷ pgbench -S | server CPU ms: bare | GET |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, ops in measured["servers"].items():
        bare, get = ops["bare"], ops["get"]
        alive = measured.get("keep_alive", {}).get(name)
        lines.append(
            f"| {STACKS[name].label} | {'yes' if alive else 'no'} | {bare['rps']:,.0f} | {ms(bare, 'p95')} "
            f"| {get['rps']:,.0f} | {ms(get, 'p50')} | {ms(get, 'p95')} | {get['rps'] / bare['rps']:.2f} "
            f"| {get['rps'] / pg['rps']:.3f} | {bare['cpu_ms']:.2f} | {get['cpu_ms']:.2f} |"
        )
    return lines


def _connections(level: int) -> str:
    return f"{level} connection{'s' if level > 1 else ''}"
