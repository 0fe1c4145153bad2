"""Benchmark of the appointments API on PostgreSQL at scale, against the machine's own ceilings (not a test).

Loads N appointments (default 1,000,000 over 50 applications and 2,000 agents,
each with its agent and a customer as participants) with COPY, serves the
service with gunicorn as docker-compose.yml does, and drives it with wrk on
loopback: GET by id, the list (a page of 25 in a date range, as a supervisor and
as an agent), create, reschedule, overlap count and count. In the same run it
measures two ceilings: pgbench's select-only TPS on the same database (one-row
reads) and a bare Django view returning the same appointment as JSON without
DRF (the framework floor). Prints, per operation, requests/s, p50/p95/p99, SQL
queries per request and the ratios to both ceilings; the EXPLAIN plans of the
list, overlap and count queries; and the memory of one gunicorn worker serving
--memory-requests requests.

    .venv/bin/python bench/appointments_api.py

With no DATABASE_URL it starts a PostgreSQL of its own on loopback (.ci/services.sh,
in var/bench/pg) and stops it at the end; with one, that database is emptied of
tenants first: give it one of its own. --reuse keeps a history loaded earlier.
Debian's wrk and pgbench are installed first when missing (as root).
"""

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
OUT = PROJECT / "var" / "bench"

OPERATIONS = [
    # (name, label in the table, reads only)
    ("get", "GET /api/appointments/{id} (agent)", True),
    ("list_supervisor", "GET /api/appointments/ page of 25, 7-day range (supervisor)", True),
    ("list_agent", "GET /api/appointments/ page of 25, 30-day range (agent)", True),
    ("create", "POST /api/appointments/ (agent, with a customer)", False),
    ("reschedule", "PUT /api/appointments/reschedule/ (agent)", False),
    ("overlap", "GET /api/appointments/overlap/count", True),
    ("count", "GET /api/appointments/count (10 h)", True),
]
EXPLAINED = ["list_supervisor", "list_agent", "overlap", "count"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--agents", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=730, help="the history spans this many days around now")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose.yml runs 3)")
    parser.add_argument(
        "--connections",
        default="1,2",
        help="concurrency levels (wrk connections), comma-separated: one table each",
    )
    parser.add_argument("--seconds", type=int, default=30, help="each operation's time under load, in all")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds the seconds are split into")
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
    _install_tools()
    services = None
    if not os.environ.get("DATABASE_URL"):
        services = _start_postgres()
    try:
        run(args)
    finally:
        if services:
            subprocess.run([str(PROJECT / ".ci" / "services.sh"), "stop", str(services)], check=False)


def run(args) -> None:
    import django

    django.setup()
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
    args.prewarmed = not args.cold and _prewarm()
    files, samples = _request_files(data)
    queries, plans = _queries_and_plans(samples)
    plans_text = "\n\n".join(f"-- {name}\n{plan}" for name, plan in plans.items())
    print(
        f"EXPLAIN (ANALYZE, BUFFERS) of the list, overlap and count requests' statements:\n\n{plans_text}\n"
    )
    (OUT / "plans.txt").write_text(plans_text)

    port = _free_port()
    server = _start_gunicorn(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    chosen = ["bare", *args.operations.split(",")]
    levels = [int(level) for level in args.connections.split(",")]
    memory = None
    try:
        for name in chosen:
            _wrk(base, files[name], connections=levels[0], seconds=2)  # warm up
        results = {level: _measure(base, files, chosen, args, level) for level in levels}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if args.memory_requests:
        memory = _memory(files["mixed"], args, connections=max(levels))
    if memory is None or len(chosen) < len(OPERATIONS) + 1:
        return  # a partial run: the lines above are all it has
    report = _report(args, data, results, queries, plans, memory)
    print(report)
    (OUT / "appointments_api.md").write_text(report)
    (OUT / "appointments_api.json").write_text(
        json.dumps(
            {
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


def _measure(base: str, files: dict, chosen: list[str], args, connections: int) -> dict:
    """Requests/s and latency of each operation and of both ceilings, at one concurrency.

    The time is split into interleaved rounds: a slowdown of the machine then hits
    the ceilings and every operation alike, so their ratios hold.
    """
    runs: dict[str, list[dict]] = {name: [] for name in ["pgbench", *chosen]}
    seconds = max(1, round(args.seconds / args.rounds))
    with _pgbench_tables() as pgbench_env:
        for number in range(args.rounds):
            runs["pgbench"].append(_pgbench(pgbench_env, connections=connections, seconds=seconds))
            for name in chosen:
                runs[name].append(_wrk(base, files[name], connections=connections, seconds=seconds))
            print(f"{connections} connection(s): round {number + 1}/{args.rounds} done", flush=True)
    results = {name: _combined(rounds) for name, rounds in runs.items()}
    for name in chosen:
        print(f"  {name}: {results[name]['rps']:.0f} requests/s, p95 {_ms(results[name], 'p95')} ms, "
              f"{results[name]['rps'] / results['bare']['rps']:.2f} of bare", flush=True)  # fmt: skip
    return results


def _prewarm() -> bool:
    """Read the history into PostgreSQL's cache, as a server in service has it there.

    Otherwise the first visit to each page goes to disk; on a machine whose
    kernel pages out idle page cache (this project's VM does) it does again later.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except Exception as error:  # not a superuser, or no contrib modules: measure cold
            print(f"warning: no pg_prewarm ({error}); pages are read as they are first asked for")
            return False
        for table in ("appointments_appointment", "participants_participant", "tenants_application"):
            cursor.execute(
                "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c WHERE c.oid = %s::regclass "
                "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = %s::regclass)",
                [table, table],
            )
        cursor.execute("SHOW shared_buffers")
        print(f"prewarmed the history into shared_buffers ({cursor.fetchone()[0]})", flush=True)
    return True


# --- The requests ---------------------------------------------------------------------------------


def _request_files(data, lines: int = 20_000, samples: int = 20) -> tuple[dict[str, Path], dict[str, list]]:
    """One file of requests per operation (bench/requests.lua replays them), and a few more of each.

    Which appointments, agents and ranges come from a fixed seed; the times that
    creates and reschedules move to differ from run to run, so that a reschedule
    replayed from an earlier run still changes something.
    """
    from tenants.roles import Role
    from tenants.services import token_mint

    rng, moves = random.Random(7), random.Random()
    day = timedelta(days=1)
    supervisors = {
        app.pk: token_mint(user_id=f"supervisor-{app.organization_id}", application=app,
                           roles=[Role.SUPERVISOR], ttl_seconds=86_400)
        for app in data.applications
    }  # fmt: skip
    tokens = {}

    def agent_token(agent):
        if agent.user_id not in tokens:
            tokens[agent.user_id] = token_mint(
                user_id=agent.user_id, application=agent.application, roles=[Role.AGENT], ttl_seconds=86_400
            )
        return tokens[agent.user_id]

    def iso(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def slot(agent) -> datetime:
        _key, start = rng.choice(agent.appointments)
        return start + timedelta(minutes=15 * moves.randrange(-96, 96))

    def tenant(agent) -> str:
        app = agent.application
        return f"applicationId={app.pk}&organizationId={app.organization_id}"

    made: dict[str, list[str]] = {name: [] for name in ["bare", "mixed", *(op[0] for op in OPERATIONS)]}
    readers, movers = data.agents[0::2], data.agents[1::2] or data.agents
    for _ in range(lines + samples):
        agent = rng.choice(readers)
        key, start = rng.choice(agent.appointments)
        token = agent_token(agent)
        made["get"].append(f"GET\t/api/appointments/{key}\t{token}\t-")
        made["bare"].append(f"GET\t/bench/bare/{key}\t-\t-")
        begin = start - timedelta(hours=rng.randrange(0, 7 * 24))
        made["list_supervisor"].append(
            f"GET\t/api/appointments/?range={iso(begin)},{iso(begin + 7 * day)}&pageSize=25"
            f"\t{supervisors[agent.application.pk]}\t-"
        )
        begin = start - timedelta(hours=rng.randrange(0, 30 * 24))
        made["list_agent"].append(
            f"GET\t/api/appointments/?range={iso(begin)},{iso(begin + 30 * day)}&pageSize=25\t{token}\t-"
        )
        body = {
            "applicationId": str(agent.application.pk),
            "start": iso(slot(agent)),
            "duration": "PT30M",
            "timezone": "Europe/Berlin",
            "title": "Benchmark call",
            "customer": {
                "name": {"firstName": "Pat", "lastName": "Doe"},
                "contact": {"email": f"pat.{rng.randrange(10**9)}@example.com"},
            },
            "interaction": {
                "routing": {"type": "GENESYS_CLOUD_FLOW", "properties": {"deploymentId": "bench"}}
            },
        }
        made["create"].append(f"POST\t/api/appointments/\t{token}\t{json.dumps(body)}")
        # Reschedules move only the appointments of the other half of the agents, so that
        # the ranges the reads ask for keep what they were drawn around.
        mover = rng.choice(movers)
        moved, _start = rng.choice(mover.appointments)
        body = {"id": str(moved), "start": iso(slot(mover)), "duration": "PT45M", "timezone": "Europe/Berlin"}
        made["reschedule"].append(
            f"PUT\t/api/appointments/reschedule/\t{agent_token(mover)}\t{json.dumps(body)}"
        )
        made["overlap"].append(
            f"GET\t/api/appointments/overlap/count?{tenant(agent)}&start={iso(slot(agent))}&duration=PT1H\t-\t-"
        )
        made["count"].append(
            f"GET\t/api/appointments/count?{tenant(agent)}&start={iso(slot(agent))}&timeFrame=PT10H\t-\t-"
        )
    for n in range(lines + samples):
        name = OPERATIONS[n % len(OPERATIONS)][0]
        made["mixed"].append(made[name][n])
    files = {}
    for name, rows in made.items():
        files[name] = OUT / f"requests-{name}.tsv"
        files[name].write_text("\n".join(rows[:lines]) + "\n")
    return files, {name: rows[lines:] for name, rows in made.items() if name != "mixed"}


def _parse(line: str):
    method, path, bearer, body = line.rstrip("\n").split("\t")
    headers = {} if bearer == "-" else {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    return method, path, headers, (None if body == "-" else body)


def _queries_and_plans(samples: dict[str, list]) -> tuple[dict, dict]:
    """SQL queries per request of each operation (Django's test client, same database), and the plans.

    The sample requests are not among those wrk replays, so that the writes among
    them change what they name.

    The plans are PostgreSQL's EXPLAIN ANALYZE of the very statements the list,
    overlap and count requests ran.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Application
    from tenants.selectors import application_organization_id

    for application_id in Application.objects.values_list("pk", flat=True):
        application_organization_id(application_id=application_id)  # as a warm web process knows them
    client = Client()
    counts, plans = {}, {}
    variants = dict(samples)
    first_list = variants["list_supervisor"][0]
    for size in (1, 25, 100):
        variants[f"list_supervisor_page_{size}"] = [first_list.replace("pageSize=25", f"pageSize={size}")]
    for name, lines in variants.items():
        seen = []
        for line in lines:
            method, path, headers, body = _parse(line)
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(
                    method, path, body or "", content_type="application/json", **headers
                )
            if response.status_code >= 300:
                sys.exit(
                    f"{name}: {method} {path} answered {response.status_code}: {response.content[:500]!r}"
                )
            seen.append(len(captured))
            if name in EXPLAINED and name not in plans:
                plans[name] = _explain(connection, captured.captured_queries)
        counts[name] = (min(seen), max(seen))
    return counts, plans


def _explain(connection, captured) -> str:
    out = []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if "appointments_appointment" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
            out.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(out)


# --- Servers and load ---------------------------------------------------------------------------


def _install_tools() -> None:
    missing = [name for name in ("wrk", "pgbench") if not shutil.which(name)]
    if missing and os.geteuid() == 0:
        packages = ["wrk" if name == "wrk" else "postgresql-client" for name in missing]
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
    still = [name for name in ("wrk", "pgbench") if not shutil.which(name)]
    if still:
        sys.exit(f"install {', '.join(still)} (Debian packages wrk and postgresql-client)")


def _start_postgres() -> Path:
    state = OUT / "pg"
    lines = subprocess.run(
        [str(PROJECT / ".ci" / "services.sh"), "start", str(state)],
        check=True,
        capture_output=True,
        text=True,
        # Flushes to disk and caches as a production server is set up to.
        env={"PG_FSYNC": "on", "PG_SHARED_BUFFERS": "4GB", **os.environ},
    ).stdout
    url = re.search(r"DATABASE_URL=(\S+)", lines).group(1).rsplit("/", 1)[0]
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = 'appointments_bench'").fetchone():
            admin.execute("CREATE DATABASE appointments_bench")
    os.environ["DATABASE_URL"] = f"{url}/appointments_bench"
    return state


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 (open while the server runs)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", "-"],
        cwd=PROJECT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}, stdout=log, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        sys.exit("gunicorn did not start: see var/bench/gunicorn.log")
    while len(_workers(server.pid)) < workers:
        time.sleep(0.2)
    return server


def _workers(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _wrk(base: str, requests: Path, *, connections: int, seconds: float) -> dict:
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
def _pgbench_tables():
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


def _pgbench(env: dict, *, connections: int, seconds: int) -> dict:
    """pgbench's select-only transactions (one primary-key read each) over the same connections."""
    out = subprocess.run(
        ["pgbench", "-S", "-n", "-c", str(connections), "-j", "1", "-T", str(seconds)],
        check=True, env=env, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    return {"requests": transactions, "duration_us": int(transactions / tps * 1e6)}


def _combined(rounds: list[dict]) -> dict:
    """All rounds of one operation: total requests over total time; each percentile the median round's."""
    requests = sum(r["requests"] for r in rounds)
    duration = sum(r["duration_us"] for r in rounds)
    combined = {"requests": requests, "duration_us": duration, "rps": requests / (duration / 1e6)}
    for key in ("p50_us", "p95_us", "p99_us", "non_2xx", "socket_errors"):
        if key in rounds[0]:
            values = [r[key] for r in rounds]
            combined[key] = sum(values) if key in ("non_2xx", "socket_errors") else statistics.median(values)
    return combined


def _memory(requests: Path, args, *, connections: int) -> dict:
    """One gunicorn worker's RSS after warm-up, then every 5 s while it serves --memory-requests requests.

    A server of its own with a single worker, so that this one process serves all
    of them (every operation, in turn).
    """
    port = _free_port()
    server = _start_gunicorn(port, 1)
    base = f"http://127.0.0.1:{port}"
    try:
        (worker,) = _workers(server.pid)
        _wrk(base, requests, connections=connections, seconds=10)  # warm up
        served, marks, rss = 0, [0], [_rss_kib(worker)]
        while served < args.memory_requests:
            served += _wrk(base, requests, connections=connections, seconds=5)["requests"]
            if not Path(f"/proc/{worker}").exists():
                sys.exit("the gunicorn worker restarted during the memory run: see var/bench/gunicorn.log")
            marks.append(served)
            rss.append(_rss_kib(worker))
            print(f"memory: {served:,} requests, RSS {rss[-1] / 1024:.1f} MiB", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return {"requests": marks, "connections": connections, "rss_kib": rss}


# --- The report ---------------------------------------------------------------------------------


def _report(args, data, results, queries, plans, memory) -> str:
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
    lines = [
        f"# Appointments API at {data.appointments:,} appointments",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, {memory_kib / 2**20:.0f} GiB; "
        f"Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {server_version} "
        f"(fsync {fsync}, shared_buffers {shared_buffers}, "
        f"history {'prewarmed' if args.prewarmed else 'cold'}); "
        f"gunicorn {args.workers} sync workers; wrk 1 thread; {args.seconds} s per "
        f"operation and concurrency in {args.rounds} interleaved rounds; {len(data.applications)} "
        f"applications, {len(data.agents):,} agents. SQL queries per request with the token's application "
        "already known to the process (the first request naming it in 30 s costs one more).",
    ]
    for level, measured in results.items():
        bare, pg = measured["bare"], measured["pgbench"]
        lines += [
            "",
            f"{level} connection{'s' if level > 1 else ''} at a time:",
            "",
            "| operation | requests/s | p50 ms | p95 ms | p99 ms | SQL queries "
            "| ÷ pgbench -S | ÷ bare Django |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| pgbench -S (one primary-key read, same database) | {pg['rps']:,.0f} | | | | 1 | 1.00 | |",
            f"| bare Django view, same appointment as JSON | {bare['rps']:,.0f} | {_ms(bare, 'p50')} "
            f"| {_ms(bare, 'p95')} | {_ms(bare, 'p99')} | {_span(queries['bare'])} "
            f"| {bare['rps'] / pg['rps']:.3f} | 1.00 |",
        ]
        for name, label, _reads in OPERATIONS:
            r = measured[name]
            lines.append(
                f"| {label} | {r['rps']:,.0f} | {_ms(r, 'p50')} | {_ms(r, 'p95')} | {_ms(r, 'p99')} "
                f"| {_span(queries[name])} | {r['rps'] / pg['rps']:.3f} | {r['rps'] / bare['rps']:.2f} |"
            )
        errors = {
            name: (r.get("non_2xx", 0), r.get("socket_errors", 0))
            for name, r in measured.items()
            if r.get("non_2xx") or r.get("socket_errors")
        }
        if errors:
            lines += ["", f"Errors (non-2xx, socket): {errors}"]
    pages = ", ".join(f"{size}: {_span(queries[f'list_supervisor_page_{size}'])}" for size in (1, 25, 100))
    lines += ["", f"Supervisor list queries by page size: {pages}.", ""]
    marks, rss = memory["requests"], memory["rss_kib"]
    steps = [
        min(range(len(marks)), key=lambda n: abs(marks[n] - marks[-1] * tenth / 10)) for tenth in range(11)
    ]
    lines += [
        f"One gunicorn worker serving {marks[-1]:,} requests of every operation in turn "
        f"({memory['connections']} connections), its RSS after warm-up and then as it goes:",
        "",
        "| requests served | " + " | ".join(f"{marks[n]:,}" for n in steps) + " |",
        "|---|" + "---:|" * len(steps),
        "| RSS MiB | " + " | ".join(f"{rss[n] / 1024:.1f}" for n in steps) + " |",
        "",
        f"Peak {max(rss) / 1024:.1f} MiB; from after warm-up to the end "
        f"{100 * (rss[-1] - rss[0]) / rss[0]:+.1f}%.",
    ]
    lines.append("")
    for name in EXPLAINED:
        seq = "Seq Scan on appointments_appointment" in plans.get(name, "")
        lines.append(f"Plan of {name}: {'SEQUENTIAL SCAN on appointments' if seq else 'index scans only'}.")
    lines += ["", "The plans themselves were printed above and are kept in var/bench/plans.txt.", ""]
    return "\n".join(lines)


def _ms(result: dict, key: str) -> str:
    return f"{result[f'{key}_us'] / 1000:.1f}"


def _span(pair) -> str:
    low, high = pair
    return str(low) if low == high else f"{low}–{high}"


if __name__ == "__main__":
    main()
