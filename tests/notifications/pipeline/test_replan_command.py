"""manage.py notifications_replan --application ID [--dry-run]."""

import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Delivery, DeliveryStatus
from notifications.services import template_update
from tests.notifications.pipeline.conftest import START

pytestmark = pytest.mark.usefixtures("now")


class Terminal(StringIO):
    def isatty(self):
        return True


def replan(*args):
    out = StringIO()
    call_command("notifications_replan", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def reminder_dues():
    return sorted(
        Delivery.objects.filter(type="REMINDER", channel="SMS", status=DeliveryStatus.PENDING).values_list(
            "due_at", flat=True
        )
    )


@pytest.fixture
def changed(templates, schedule):
    for index in range(3):
        schedule(title=f"Advice {index}")
    template_update(template=templates[("REMINDER", "SMS")], period=timedelta(hours=5))


def test_dry_run_says_what_would_change_and_changes_nothing(changed, notifying):
    before = reminder_dues()

    out = replan("--application", str(notifying.pk), "--dry-run")

    assert out.splitlines() == [
        "dry run, nothing changed: 3 future appointments, 3 changed: "
        "0 deliveries added, 3 moved, 0 cancelled",
        "  REMINDER SMS: 0 added, 3 moved, 0 cancelled",
    ]
    assert reminder_dues() == before


def test_the_run_replans_with_a_progress_bar_on_a_terminal_and_a_rerun_changes_nothing(
    changed, notifying, monkeypatch
):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    out = replan("--application", str(notifying.pk), "--batch-size", "2")

    assert out.splitlines() == [
        "3 future appointments, 3 changed: 0 deliveries added, 3 moved, 0 cancelled",
        "  REMINDER SMS: 0 added, 3 moved, 0 cancelled",
    ]
    assert reminder_dues() == [START - timedelta(hours=5)] * 3
    assert "re-planning" in terminal.getvalue()
    assert "3/3" in terminal.getvalue()
    assert replan("--application", str(notifying.pk)).splitlines() == [
        "3 future appointments, 0 changed: 0 deliveries added, 0 moved, 0 cancelled"
    ]


def test_off_a_terminal_no_progress_bar(changed, notifying, monkeypatch):
    piped = StringIO()
    monkeypatch.setattr(sys, "stderr", piped)

    replan("--application", str(notifying.pk))

    assert piped.getvalue() == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--application", "nope"], "is not an application id"),
        (["--application", "6f0e2c1a-0000-4000-8000-000000000000"], "no application"),
        (["--application", "APP", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_bad_input_is_one_line(notifying, args, message):
    args = [str(notifying.pk) if arg == "APP" else arg for arg in args]
    with pytest.raises(CommandError, match=message):
        call_command("notifications_replan", *args)
