"""The API benchmark's servers: its tools, its PostgreSQL (and that cache), and the serving stacks."""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.api_operations import OUT, PROJECT


def install_tools() -> None:
    missing = [name for name in ("wrk", "pgbench") if not shutil.which(name)]
    if missing and os.geteuid() == 0:
        packages = ["wrk" if name == "wrk" else "postgresql-client" for name in missing]
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
    still = [name for name in ("wrk", "pgbench") if not shutil.which(name)]
    if still:
        sys.exit(f"install {', '.join(still)} (Debian packages wrk and postgresql-client)")


def start_postgres() -> Path:
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


def stop_postgres(state: Path) -> None:
    subprocess.run([str(PROJECT / ".ci" / "services.sh"), "stop", str(state)], check=False)


def prewarm() -> bool:
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(stack, port: int, workers: int) -> subprocess.Popen:
    """One stack (bench/api_stacks.py) serving on loopback, its output in var/bench/<name>.log.

    Ready once every worker has been forked and /healthz answers.
    """
    log = open(OUT / f"{stack.name}.log", "w")  # noqa: SIM115 (open while the server runs)
    server = subprocess.Popen(
        stack.argv(port, workers), cwd=PROJECT, stdout=log, stderr=log,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
        except urllib.error.HTTPError:
            pass  # an answer all the same (503 while the database is not ready)
        except OSError:
            time.sleep(0.2)
            continue
        if len(worker_pids(server.pid)) >= workers:
            return server
        time.sleep(0.2)
    stop_server(server)
    sys.exit(f"{stack.name} did not start: see var/bench/{stack.name}.log")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def keeps_alive(port: int) -> bool:
    """Whether the server answered a second request on the connection of the first."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for _ in range(2):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            if connection.sock is None:  # the server said Connection: close, or hung up
                return False
        return True
    finally:
        connection.close()


def worker_pids(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(master: int) -> float:
    """CPU time (user + system, every thread) used so far by a server's master and its workers.

    What a request costs the serving stack, whatever else the machine's cores were busy
    with meanwhile: on a shared machine requests/s drop when others run, this does not.
    """
    total = 0
    for pid in (master, *worker_pids(master)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")
