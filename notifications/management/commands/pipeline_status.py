"""`manage.py pipeline_status`: the delivery pipeline at a glance, for a person, a script or a healthcheck."""

import json
import sys
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from notifications.pipeline_status import PipelineStatus, pipeline_problems, pipeline_status_read

# Exit status when a threshold is crossed (1 stays Django's, for bad arguments).
STALE = 2


class Command(BaseCommand):
    help = (
        "Show the outbox backlog by application, channel and status, the oldest due row, the last "
        "dispatch tick, the last hour's failure reasons and the workers that answer a ping. Exits "
        f"{STALE} when the oldest due row or the last tick is older than its threshold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object instead of tables")
        parser.add_argument(
            "--max-backlog-age",
            type=float,
            default=600.0,
            help="seconds the oldest due row may wait before the exit status says so (0: never); default 600",
        )
        parser.add_argument(
            "--max-tick-age",
            type=float,
            default=None,
            help="seconds since the last tick before the exit status says so (0: never); "
            "default READINESS_BEAT_MAX_AGE_SECONDS",
        )
        parser.add_argument(
            "--failure-window", type=int, default=3600, help="seconds of failures to list; default 3600"
        )
        parser.add_argument(
            "--ping-timeout",
            type=float,
            default=1.0,
            help="seconds to wait for workers to answer a ping (0: do not ask); default 1",
        )

    def handle(self, *args, **options) -> None:
        status = pipeline_status_read(
            failure_window=timedelta(seconds=options["failure_window"]), ping_timeout=options["ping_timeout"]
        )
        max_tick_age = options["max_tick_age"]
        status.problems = pipeline_problems(
            status,
            max_backlog_age=options["max_backlog_age"],
            max_tick_age=settings.READINESS_BEAT_MAX_AGE_SECONDS if max_tick_age is None else max_tick_age,
        )
        if options["json"]:
            self.stdout.write(json.dumps(status.as_dict(), indent=2))
        else:
            self.stdout.write(_tables(status))
        if status.problems:
            self.stderr.write("; ".join(status.problems))
            sys.exit(STALE)


def _tables(status: PipelineStatus) -> str:
    lines = [f"Pipeline at {status.now}", "", "Backlog (rows not yet sent):"]
    lines += _table(
        ["application", "application id", "channel", "status", "rows", "due"],
        [[b.application, b.application_id, b.channel, b.status, b.rows, b.due] for b in status.backlog],
    )
    oldest = status.oldest_due
    lines += ["", "Oldest due row:"]
    lines.append(
        f"  {oldest.delivery_id} {oldest.channel} {oldest.type} {oldest.status}, due {oldest.due_at}, "
        f"waiting {oldest.age_seconds:.0f}s, {oldest.attempts} attempt(s), "
        f"appointment {oldest.appointment_id}"
        if oldest
        else "  none"
    )
    lines += ["", "Last dispatch tick:"]
    lines.append(
        f"  {status.last_tick_at} ({status.last_tick_age_seconds:.0f}s ago) "
        f"on {status.last_tick_worker or '?'}"
        if status.last_tick_at
        else "  never"
    )
    lines += ["", f"Failures in the last {status.failure_window_seconds}s:"]
    lines += _table(
        ["channel", "status", "rows", "reason"],
        [[f.channel, f.status, f.rows, f.reason] for f in status.failures],
    )
    lines += ["", "Workers answering a ping:"]
    if status.workers is None:
        lines.append("  not asked (--ping-timeout 0)")
    else:
        lines += [f"  {name}" for name in status.workers] or ["  none"]
    if status.problems:
        lines += ["", "Problems:", *(f"  {problem}" for problem in status.problems)]
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    if not rows:
        return ["  none"]
    cells = [headers, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells
    ]
