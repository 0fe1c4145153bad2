"""gunicorn reads this file from the working directory by itself: hooks for multiprocess metrics.

With PROMETHEUS_MULTIPROC_DIR set, each gunicorn worker writes its metrics to files there
and /metrics, answered by any worker, sums them all (docs/operations.md). Without it,
both hooks do nothing.
"""

import os


def on_starting(server):
    """Before the first worker forks: forget the files of a previous run, whose counts would linger."""
    from core.metrics import multiproc_dir_reset

    multiproc_dir_reset()


def child_exit(server, worker):
    """A worker that exits stops counting in live gauges (counters and histograms keep its totals)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
