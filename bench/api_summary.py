"""The API benchmark's figures as JSON (--json, docs/bench/appointments_api.json by default).

At one connection (the issue's measure), for the chosen stack (--server): pgbench
-S's TPS, the bare view's and GET by id's requests/s, their ratios, p95 of every
operation; the same for each stack compared, and every concurrency level under
"levels". Ratios are of one run's interleaved rounds.
"""

import json
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.api_operations import PROJECT
from bench.api_stacks import STACKS

# The targets at one connection (docs/benchmarks.md, "Against the targets").
TARGETS = {"get_vs_bare": 0.85, "get_vs_pgbench": 0.06, "p95_ms": 25.0}


def summary(args, data, results: dict) -> dict:
    levels = {str(level): _level(measured) for level, measured in results.items()}
    first = levels.get("1") or next(iter(levels.values()))
    chosen = first["servers"][args.server]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": shlex.join(["python", *_relative(sys.argv)]),
        "appointments": data.appointments,
        "server": args.server,
        "server_command": STACKS[args.server].command("0.0.0.0", 8000, args.workers),  # noqa: S104 (compose's)
        "workers": args.workers,
        "connections": int(next(key for key, value in levels.items() if value is first)),
        "pgbench_tps": first["pgbench_tps"],
        **{key: chosen[key] for key in ("bare_rps", "get_rps", "get_vs_bare", "get_vs_pgbench", "p95_ms")},
        "targets": TARGETS,
        "targets_met": {
            "get_vs_bare": chosen["get_vs_bare"] >= TARGETS["get_vs_bare"],
            "get_vs_pgbench": chosen["get_vs_pgbench"] >= TARGETS["get_vs_pgbench"],
            "p95_ms": all(
                p95 < TARGETS["p95_ms"] for op, p95 in chosen["p95_ms"].items() if op in chosen["reads"]
            ),
        },
        "servers": first["servers"],
        "levels": levels,
    }


def summary_write(args, data, results: dict) -> Path:
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary(args, data, results), indent=2) + "\n")
    print(f"figures written to {path}", flush=True)
    return path


def _level(measured: dict) -> dict:
    from bench.api_operations import OPERATIONS

    reads = {name for name, _label, is_read in OPERATIONS if is_read}
    tps = round(measured["pgbench"]["rps"], 1)
    servers = {}
    for name, ops in measured["servers"].items():
        bare, get = ops["bare"]["rps"], ops["get"]["rps"]
        servers[name] = {
            "label": STACKS[name].label,
            "keep_alive": measured.get("keep_alive", {}).get(name),
            "access_log": STACKS[name].access_log,
            "bare_rps": round(bare, 1),
            "get_rps": round(get, 1),
            "get_vs_bare": round(get / bare, 3),
            "get_vs_pgbench": round(get / measured["pgbench"]["rps"], 4),
            "rps": {op: round(r["rps"], 1) for op, r in ops.items()},
            "p50_ms": {op: round(r["p50_us"] / 1000, 2) for op, r in ops.items()},
            "p95_ms": {op: round(r["p95_us"] / 1000, 2) for op, r in ops.items()},
            "p99_ms": {op: round(r["p99_us"] / 1000, 2) for op, r in ops.items()},
            # CPU time of the stack's processes per request (the machine's other load aside).
            "cpu_ms": {op: round(r["cpu_ms"], 3) for op, r in ops.items()},
            "reads": sorted(op for op in ops if op in reads or op == "bare"),
        }
    return {"pgbench_tps": tps, "servers": servers}


def _relative(argv: list[str]) -> list[str]:
    """The command line as typed in the project's directory."""
    out = []
    for arg in argv:
        path = Path(arg)
        inside = path.is_absolute() and path.is_relative_to(PROJECT)
        out.append(str(path.relative_to(PROJECT)) if inside else arg)
    return out
