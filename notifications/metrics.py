"""The delivery pipeline's metrics: counters its steps move, and gauges read from the database at scrape time.

Counters live in the process that sends (core/metrics.py explains the multiprocess
folder). The backlog and the last tick are facts of the database, not of a process:
`PipelineCollector` reads them when /metrics is scraped, so they are right whichever
process answers and however many there are.
"""

import logging
import socket
from collections.abc import Iterator, Mapping
from datetime import datetime

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

# Imported before any metric is made here: it creates the multiprocess folder if one is set.
from core.metrics import multiproc_dir  # noqa: F401
from notifications.models import OPEN_STATUSES, Delivery, DeliveryStatus, PipelineHeartbeat

logger = logging.getLogger(__name__)

DELIVERIES = Counter(
    "appointments_deliveries_total",
    "Delivery attempts by channel, notification type and outcome (sent, failed, cancelled, retried).",
    ["channel", "type", "outcome"],
)
PROVIDER_CALLS = Histogram(
    "appointments_provider_call_seconds",
    "Time a channel's provider took to accept or refuse a message (SMTP, Twilio, webhook receiver).",
    ["channel", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
RECONCILIATIONS = Counter(
    "appointments_lease_reconciliations_total",
    "Rows whose lease expired, by what the reconciler did: reopened (claimed, never sent), "
    "resent (webhook sent again) or failed (email/SMS not retried).",
    ["kind"],
)
WORKERS_LOST = Counter(
    "appointments_workers_lost_total",
    "Rows found SENDING past their lease: the worker died or hung mid-send.",
)
TICKS = Counter("appointments_dispatch_ticks_total", "Dispatch ticks run to their end.")
TICK_CLAIMED = Counter("appointments_dispatch_claimed_total", "Rows claimed by dispatch ticks.")

# What `deliveries_reconcile` reports, and whether each kind means a lost worker.
_RECONCILED_KINDS = {"reopened": False, "resent": True, "failed": True}


def delivery_outcome_observe(*, channel: str, type: str, outcome: str) -> None:  # noqa: A002 (Delivery.type)
    """Count what one send attempt came to (pipeline.states: sent, failed, cancelled, retried)."""
    DELIVERIES.labels(channel=channel, type=type, outcome=outcome).inc()


def provider_call_observe(*, channel: str, seconds: float, ok: bool = True) -> None:
    """Time one call of a channel backend's send()."""
    PROVIDER_CALLS.labels(channel=channel, outcome="ok" if ok else "error").observe(seconds)


def deliveries_reconciled_observe(summary: Mapping[str, int]) -> None:
    """Count what one reconciliation did, from the summary `deliveries_reconcile` returns."""
    for kind, lost in _RECONCILED_KINDS.items():
        count = int(summary.get(kind, 0))
        if count:
            RECONCILIATIONS.labels(kind=kind).inc(count)
            if lost:
                WORKERS_LOST.inc(count)


def tick_observe(*, claimed: int) -> None:
    TICKS.inc()
    TICK_CLAIMED.inc(claimed)


def tick_heartbeat_record(*, now: datetime | None = None, worker: str | None = None) -> None:
    """Note that a tick ran to its end now: one UPDATE (an INSERT the very first time)."""
    now = now or timezone.now()
    worker = (worker if worker is not None else socket.gethostname())[:255]
    rows = PipelineHeartbeat.objects.filter(name=PipelineHeartbeat.DISPATCH)
    if not rows.update(ticked_at=now, worker=worker, updated_at=now):
        PipelineHeartbeat.objects.update_or_create(
            name=PipelineHeartbeat.DISPATCH, defaults={"ticked_at": now, "worker": worker}
        )


def last_tick_at() -> datetime | None:
    return (
        PipelineHeartbeat.objects.filter(name=PipelineHeartbeat.DISPATCH)
        .values_list("ticked_at", flat=True)
        .first()
    )


# Rows that are due and not yet sent: waiting, handed to a worker, or being sent.
UNSENT_STATUSES = (*OPEN_STATUSES, DeliveryStatus.SENDING)


class PipelineCollector:
    """The outbox backlog and the last tick, read from the database at each scrape (three queries)."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily(
            "appointments_pipeline_scrape_ok", "1 if the pipeline's gauges could be read from the database."
        )
        try:
            families = list(self._families(now))
        except DatabaseError:
            logger.warning("pipeline metrics could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, now: datetime) -> Iterator[Metric]:
        due = Delivery.objects.filter(status__in=UNSENT_STATUSES, due_at__lte=now)
        backlog = GaugeMetricFamily(
            "appointments_outbox_due_rows",
            "Rows due and not sent, by channel and status (PENDING, CLAIMED, SENDING).",
            labels=["channel", "status"],
        )
        for row in due.values("channel", "status").annotate(rows=Count("id")).order_by():
            backlog.add_metric([row["channel"], row["status"]], row["rows"])
        yield backlog
        # Only waiting rows: a row being sent is not stuck, however late it was.
        oldest = Delivery.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now).aggregate(
            oldest=Min("due_at")
        )["oldest"]
        age = GaugeMetricFamily(
            "appointments_outbox_oldest_due_age_seconds",
            "How long the oldest due, unclaimed-or-claimed row has waited past its due time (0: none).",
        )
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield age
        ticked = last_tick_at()
        if ticked is not None:
            tick_age = GaugeMetricFamily(
                "appointments_beat_last_tick_age_seconds",
                "Seconds since a dispatch tick last ran to its end.",
            )
            tick_age.add_metric([], max(0.0, (now - ticked).total_seconds()))
            yield tick_age
