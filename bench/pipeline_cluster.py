"""Celery workers and beat as the production topology runs them, started and stopped by the benchmarks."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


class Cluster:
    """`workers` worker processes (a pool of `concurrency` each) and one beat, on their own queues."""

    def __init__(
        self, *, workers: int, pool: str, concurrency: int, interval: int, smtp_port: int, twilio_url: str
    ) -> None:
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "bench-token",
            "TWILIO_API_BASE_URL": twilio_url,
            "NOTIFICATIONS_TWILIO_STATUS_CALLBACK": "0",
            "NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS": str(interval),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "LOG_LEVEL": "WARNING",
        }
        self.logs = PROJECT / "var" / "bench"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.workers = [
            self._start(f"worker-{n}", [
                "worker", "--pool", pool, "--concurrency", str(concurrency), "--hostname", f"bench{n}@%h",
                # The send queue and the ticks' own queue (config/settings/base.py).
                "--queues", f"{queue},{queue}-dispatch", "--without-gossip", "--without-mingle",
                "--loglevel", "WARNING",
            ])
            for n in range(workers)
        ]  # fmt: skip
        self.beat = self._start(
            "beat", ["beat", "--schedule", str(self.logs / f"beat-{queue}"), "--loglevel", "WARNING"]
        )

    def _start(self, name: str, celery_args: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (lives as long as the process)
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *celery_args],
            cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def worker_rss_kib(self) -> list[int]:
        """Each worker's resident memory now, its pool's child processes included."""
        return [
            _rss_kib(worker.pid) + sum(_rss_kib(child) for child in _children(worker.pid))
            for worker in self.workers
        ]

    def stop(self) -> None:
        for child in [*self.workers, self.beat]:
            child.terminate()
        for child in [*self.workers, self.beat]:
            child.wait(timeout=60)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0
