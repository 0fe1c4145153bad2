"""resend_notifications and the resend/retry services: fresh rows, never the old ones again."""

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from appointments.services import appointment_delete
from notifications.models import Delivery, DeliveryStatus
from notifications.pipeline.resend import deliveries_retry, notifications_resend
from notifications.pipeline.states import WORKER_LOST

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def booked(templates, schedule):
    appointment = schedule()
    Delivery.objects.filter(type="CREATE").update(status=DeliveryStatus.FAILED, last_error="worker lost")
    return appointment


def resend(*args) -> str:
    out = StringIO()
    call_command("resend_notifications", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_failed_ones_are_queued_again_as_fresh_rows(booked, now):
    failed = set(Delivery.objects.filter(status="FAILED").values_list("pk", flat=True))

    assert (
        resend("--status", "FAILED")
        == "2 deliveries matched, 2 queued again, 0 skipped (appointment deleted)"
    )

    assert set(Delivery.objects.filter(status="FAILED").values_list("pk", flat=True)) == failed
    fresh = Delivery.objects.filter(type="CREATE", status="PENDING")
    assert len(fresh) == 2 and not {d.pk for d in fresh} & failed
    assert {(d.due_at, d.attempts, d.appointment_version) for d in fresh} == {(now, 0, 1)}


def test_a_fresh_row_serves_the_same_participants(booked):
    served = Delivery.objects.filter(status="FAILED").first()
    Delivery.objects.filter(pk=served.pk).update(participant_ids=["cust-a", "cust-b"])

    deliveries_retry(deliveries=[Delivery.objects.get(pk=served.pk)])

    fresh = Delivery.objects.get(status="PENDING", type=served.type, recipient=served.recipient)
    assert fresh.participant_ids == ["cust-a", "cust-b"]


def test_filters_narrow_the_match(booked):
    assert (
        resend("--dry-run", "--channel", "sms", "--type", "REMINDER")
        == "1 deliveries match; dry run, nothing queued"
    )
    assert (
        resend("--dry-run", "--appointment", str(booked.pk)) == "6 deliveries match; dry run, nothing queued"
    )
    assert (
        resend("--dry-run", "--until", "2030-03-04T09:00:00Z")
        == "0 deliveries match; dry run, nothing queued"
    )
    assert (
        resend("--dry-run", "--since", "2030-03-04T09:00:00.000Z")
        == "6 deliveries match; dry run, nothing queued"
    )
    assert Delivery.objects.count() == 6  # a dry run queues nothing


def test_a_deleted_appointments_cancel_can_be_resent_but_nothing_else(booked):
    appointment_id = booked.pk
    appointment_delete(appointment=booked)

    summary = notifications_resend(appointment_ids=[appointment_id], type=None)

    assert summary.matched == 8 and summary.queued == 2 and summary.skipped == 6
    assert set(Delivery.objects.filter(status="PENDING").values_list("type", flat=True)) == {"CANCEL"}


def test_retry_resends_only_failed_ones(booked):
    summary = deliveries_retry(deliveries=Delivery.objects.filter(appointment_id=booked.pk))
    assert (summary.matched, summary.queued) == (2, 2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--type", "LATER"], "--type must be one of"),
        (["--status", "SENDING"], "--status must be one of"),
        (["--appointment", "nope"], "is not an appointment id"),
        (["--since", "yesterday"], "--since"),
        (["--since", "2030-01-02T00:00:00Z", "--until", "2030-01-01T00:00:00Z"], "before --until"),
    ],
)
def test_bad_input_is_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("resend_notifications", *args)


def test_bad_input_from_the_shell_is_one_line_on_stderr_and_non_zero():
    result = subprocess.run(
        [sys.executable, "manage.py", "resend_notifications", "--type", "LATER"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "--type must be one of" in result.stderr


def test_failures_whose_outcome_is_unknown_are_held_back_unless_asked(booked):
    email = Delivery.objects.get(type="CREATE", channel="EMAIL")
    Delivery.objects.filter(pk=email.pk).update(last_error=WORKER_LOST)  # its worker died mid-call

    assert resend("--status", "FAILED", "--dry-run").splitlines() == [
        "2 deliveries match; dry run, nothing queued",
        "1 held back: their worker was lost during the provider call, so they may have been delivered; "
        "--include-unknown-outcome sends them again too",
    ]
    assert resend("--status", "FAILED").splitlines()[0] == (
        "2 deliveries matched, 1 queued again, 0 skipped (appointment deleted)"
    )
    fresh = Delivery.objects.filter(type="CREATE", status="PENDING")
    assert [d.channel for d in fresh] == ["SMS"]

    assert resend("--status", "FAILED", "--include-unknown-outcome") == (
        "2 deliveries matched, 2 queued again, 0 skipped (appointment deleted)"
    )
    assert Delivery.objects.filter(type="CREATE", status="PENDING", channel="EMAIL").count() == 1
