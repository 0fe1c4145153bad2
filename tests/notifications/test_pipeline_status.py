"""`manage.py pipeline_status` on a seeded backlog, the gauges on /metrics, the tick's heartbeat."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from notifications.metrics import PipelineCollector, last_tick_at, tick_heartbeat_record
from notifications.models import Delivery, PipelineHeartbeat
from notifications.pipeline_status import pipeline_status_read
from tests.core.observability import sample, scrape
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def row(application, *, channel="EMAIL", status="PENDING", due=NOW, attempts=0, error="", **fields):
    return Delivery.objects.create(
        application=application,
        appointment_id=uuid.uuid4(),
        type=fields.pop("type", "REMINDER"),
        channel=channel,
        recipient="bobby@example.com" if channel == "EMAIL" else "+306931221100",
        due_at=due,
        status=status,
        attempts=attempts,
        max_attempts=5,
        last_error=error,
        **fields,
    )


@pytest.fixture
def backlog(now):
    """Two applications: due, future, claimed and in-flight rows, failures, and finished rows."""
    acme, globex = ApplicationFactory(name="Acme"), ApplicationFactory(name="Globex")
    oldest = row(acme, due=NOW - timedelta(minutes=15))
    row(acme, due=NOW - timedelta(minutes=1))
    row(acme, channel="SMS", due=NOW + timedelta(hours=1))  # not due yet
    row(acme, channel="SMS", status="CLAIMED", due=NOW - timedelta(minutes=2))
    row(globex, channel="WEBHOOK", status="SENDING", due=NOW - timedelta(hours=2), attempts=1)
    row(globex, channel="SMS", status="FAILED", attempts=5, error="Twilio 30003: unreachable +306931221100")
    row(globex, channel="SMS", status="FAILED", attempts=5, error="Twilio 30003: unreachable +306931221199")
    row(acme, status="PENDING", due=NOW + timedelta(minutes=5), attempts=1, error="421 try again later")
    row(acme, status="SENT", attempts=1)
    row(acme, status="CANCELLED")
    tick_heartbeat_record(now=NOW - timedelta(seconds=30), worker="worker-1@host")
    return {"acme": acme, "globex": globex, "oldest": oldest}


def test_the_status_reads_the_backlog_the_oldest_row_the_tick_and_failures(
    backlog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        status = pipeline_status_read()

    acme, globex = str(backlog["acme"].pk), str(backlog["globex"].pk)
    assert {(b.application_id, b.channel, b.status): (b.rows, b.due) for b in status.backlog} == {
        (acme, "EMAIL", "PENDING"): (3, 2),
        (acme, "SMS", "PENDING"): (1, 0),
        (acme, "SMS", "CLAIMED"): (1, 1),
        (globex, "WEBHOOK", "SENDING"): (1, 1),
    }
    # The in-flight webhook is older, but a row being sent is not waiting.
    assert status.oldest_due.delivery_id == str(backlog["oldest"].pk)
    assert status.oldest_due.age_seconds == 900
    assert (status.last_tick_age_seconds, status.last_tick_worker) == (30, "worker-1@host")
    # Provider errors quoting a number are masked, and so fall into one line.
    assert {(f.channel, f.status, f.reason, f.rows) for f in status.failures} == {
        ("SMS", "FAILED", "Twilio 30003: unreachable [phone]", 2),
        ("EMAIL", "PENDING", "421 try again later", 1),
    }
    assert status.workers is None  # not asked without a ping timeout


def test_the_command_prints_tables_and_exits_0_within_the_thresholds(backlog):
    out = StringIO()

    call_command("pipeline_status", "--ping-timeout", "0", "--max-backlog-age", "3600", stdout=out)

    text = out.getvalue()
    assert "Backlog (rows not yet sent):" in text
    assert "Acme" in text and "Globex" in text and "WEBHOOK" in text
    assert str(backlog["oldest"].pk) in text and "waiting 900s" in text
    assert "(30s ago) on worker-1@host" in text
    assert "Twilio 30003: unreachable [phone]" in text
    assert "+3069" not in text and "bobby@" not in text


def test_json_for_scripts_and_a_non_zero_exit_when_the_backlog_is_too_old(backlog):
    out, err = StringIO(), StringIO()

    with pytest.raises(SystemExit) as exit:
        call_command(
            "pipeline_status",
            "--json",
            "--ping-timeout",
            "0",
            "--max-backlog-age",
            "600",
            stdout=out,
            stderr=err,
        )

    assert exit.value.code == 2
    assert "the oldest due row has waited 900s (limit 600s)" in err.getvalue()
    data = json.loads(out.getvalue())
    assert data["oldest_due"]["delivery_id"] == str(backlog["oldest"].pk)
    assert data["last_tick_worker"] == "worker-1@host"
    assert data["problems"] == ["the oldest due row has waited 900s (limit 600s)"]
    assert sum(line["due"] for line in data["backlog"]) == 4


def test_a_stale_or_missing_tick_is_a_non_zero_exit(now, settings):
    settings.READINESS_BEAT_MAX_AGE_SECONDS = 60
    with pytest.raises(SystemExit) as exit:
        call_command("pipeline_status", "--ping-timeout", "0", stdout=StringIO(), stderr=StringIO())
    assert exit.value.code == 2

    tick_heartbeat_record(now=NOW - timedelta(seconds=61))
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("pipeline_status", "--ping-timeout", "0", stdout=StringIO(), stderr=err)
    assert "the last dispatch tick ran 61s ago (limit 60s)" in err.getvalue()

    tick_heartbeat_record(now=NOW - timedelta(seconds=5))
    call_command("pipeline_status", "--ping-timeout", "0", stdout=StringIO())  # no exit: all is well


def test_an_empty_pipeline_reads_as_such(now):
    out = StringIO()
    tick_heartbeat_record()

    call_command("pipeline_status", "--ping-timeout", "0", stdout=out)

    assert "Oldest due row:\n  none" in out.getvalue()


def test_the_heartbeat_is_one_row_moved_by_each_tick(now, django_assert_num_queries):
    tick_heartbeat_record(now=NOW - timedelta(minutes=1), worker="a")
    with django_assert_num_queries(1):
        tick_heartbeat_record(worker="b")

    assert PipelineHeartbeat.objects.count() == 1
    assert last_tick_at() == NOW
    assert PipelineHeartbeat.objects.get().worker == "b"


def test_the_gauges_on_metrics_are_read_from_the_database_at_scrape_time(
    backlog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        families = list(PipelineCollector().collect())
    assert {family.name for family in families} >= {
        "appointments_outbox_due_rows",
        "appointments_outbox_oldest_due_age_seconds",
        "appointments_beat_last_tick_age_seconds",
    }

    text = scrape()

    assert sample(text, "appointments_outbox_due_rows", channel="EMAIL", status="PENDING") == 2
    assert sample(text, "appointments_outbox_due_rows", channel="SMS", status="CLAIMED") == 1
    assert sample(text, "appointments_outbox_due_rows", channel="WEBHOOK", status="SENDING") == 1
    assert sample(text, "appointments_outbox_oldest_due_age_seconds") == 900
    assert sample(text, "appointments_beat_last_tick_age_seconds") == 30
    assert sample(text, "appointments_pipeline_scrape_ok") == 1

    Delivery.objects.filter(pk=backlog["oldest"].pk).update(status="SENT")
    assert sample(scrape(), "appointments_outbox_oldest_due_age_seconds") == 120  # the CLAIMED row's
