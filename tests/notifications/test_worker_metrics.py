"""A real prefork Celery worker serves /metrics summing its pool processes, and logs JSON without contacts."""

import json
import socket
import sys
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from bench.fakes import SmtpSink, TwilioFake
from notifications.models import ChannelSender, Delivery, DeliveryStatus, NotificationTemplate
from participants.models import Participant, ParticipantType
from tests.core.observability import sample
from tests.factories import ApplicationFactory, AppointmentFactory
from tests.notifications.pipeline.processes import Processes, database_url_shared_with_children, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CUSTOMERS = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed() -> list[Delivery]:
    """Due CREATE emails and SMS for CUSTOMERS customers of one appointment."""
    application = ApplicationFactory(notifications_active=True)
    now = timezone.now()
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="acme.example", verified_at=now
    )
    ChannelSender.objects.create(
        application=application, channel="SMS", from_number="+302102234988", verified_at=now
    )
    appointment = AppointmentFactory(application=application)
    rows = []
    for channel in ("EMAIL", "SMS"):
        template = NotificationTemplate.objects.create(
            application=application, type="CREATE", channel=channel, locale="en_US",
            subject="Booked" if channel == "EMAIL" else "", text_body="Hi {{firstName}}, {{title}}",
        )  # fmt: skip
        for i in range(CUSTOMERS):
            Participant.objects.get_or_create(
                application=application, appointment=appointment, participant_id=f"customer-{i}",
                defaults={"type": ParticipantType.CUSTOMER, "first_name": f"Zebedee{i}",
                          "email": f"zebedee{i}@example.com", "phone": f"+306931{i:06d}"},
            )  # fmt: skip
            rows.append(
                Delivery.objects.create(
                    application=application,
                    appointment_id=appointment.pk,
                    type="CREATE",
                    channel=channel,
                    template=template,
                    locale="en_US",
                    participant_id=f"customer-{i}",
                    recipient=f"zebedee{i}@example.com" if channel == "EMAIL" else f"+306931{i:06d}",
                    due_at=now - timedelta(seconds=1),
                    max_attempts=5,
                )  # fmt: skip
            )
    return rows


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_a_prefork_worker_serves_the_sum_of_its_pool_processes(transactional_db, tmp_path):
    url, restore = database_url_shared_with_children(tmp_path)
    smtp, twilio = SmtpSink().start(), TwilioFake().start()
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    group = Processes(
        tmp_path, database_url=url, smtp=smtp, twilio_url=twilio.base_url,
        PROMETHEUS_MULTIPROC_DIR=metrics_dir, WORKER_METRICS_PORT=port, LOG_FORMAT="json", LOG_LEVEL="INFO",
    )  # fmt: skip
    try:
        deliveries = _seed()
        group._start("worker", [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool", "prefork", "--concurrency", "2",
            "--hostname", "metrics@%h", "--queues", group.env["CELERY_TASK_DEFAULT_QUEUE"],
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        ])  # fmt: skip
        group.sweeper("sweeper")
        wait_until(
            lambda: not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists(),
            timeout=90,
            message="deliveries still open",
        )
        wait_until(lambda: _metrics_ready(port), timeout=20, message="the worker's endpoint never answered")
        text = _scrape(port)
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
    except AssertionError:
        pytest.fail(group.logs())
    finally:
        group.stop_all()
        smtp.stop()
        twilio.stop()
        restore()

    for channel in ("EMAIL", "SMS"):
        assert sample(text, "appointments_deliveries_total", channel=channel, outcome="sent") == CUSTOMERS, (
            text
        )
    # Two pool processes wrote, and the endpoint read both (each process has its own file).
    assert len(list(metrics_dir.glob("counter_*.db"))) >= 2
    # The worker's endpoint leaves the database gauges to the web's /metrics.
    assert "appointments_outbox_due_rows" not in text

    lines = [json.loads(line) for line in worker_log.splitlines() if line.startswith("{")]
    assert lines and {line["role"] for line in lines} == {"worker"}
    # Each send runs in its task's context, and each delivery's lines name it and its appointment.
    sends = [line for line in lines if str(line.get("task", "")).startswith("notifications.send")]
    assert sends and all(line.get("task_id") for line in sends)
    named = {line.get("delivery_id") for line in lines if line.get("appointment_id")}
    assert {str(delivery.pk) for delivery in deliveries} <= named
    for delivery in deliveries:
        assert delivery.recipient not in worker_log
        assert delivery.recipient.lstrip("+") not in worker_log
    assert "Zebedee" not in worker_log


def _metrics_ready(port: int) -> bool:
    try:
        _scrape(port)
    except (urllib.error.URLError, OSError):
        return False
    return True


def test_the_worker_endpoint_refuses_other_paths_and_keeps_the_access_rule(settings):
    from core.metrics import worker_metrics_server_start

    server = worker_metrics_server_start(port=0, address="127.0.0.1")
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/admin/", timeout=5)
        assert missing.value.code == 404
        forwarded = urllib.request.Request(f"{base}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forwarded, timeout=5)
        assert refused.value.code == 403
    finally:
        server.shutdown()
        server.server_close()
