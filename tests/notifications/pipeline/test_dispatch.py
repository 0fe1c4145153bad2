"""The beat tick, the after-commit hand-off, and the dispatch_notifications command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from notifications.models import Delivery, DeliveryStatus
from notifications.pipeline.tasks import dispatch_tick_task
from notifications.pipeline.tick import deliveries_tick
from tests.notifications.pipeline.conftest import REMINDER_PERIOD, START

pytestmark = pytest.mark.usefixtures("now")


def test_immediate_rows_are_sent_once_the_change_commits(
    templates, schedule, smtp_server, twilio_fake, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = schedule()

    creates = Delivery.objects.filter(appointment_id=appointment.pk, type="CREATE")
    assert {d.status for d in creates} == {"SENT"}
    assert len(smtp_server.messages) == 1 and len(twilio_fake.requests) == 1


def test_the_tick_claims_due_rows_and_sends_them_through_the_task(
    templates, schedule, smtp_server, twilio_fake, eager_tasks, time_machine
):
    appointment = schedule()  # no commit here: the after-commit hand-off never ran
    assert dispatch_tick_task()["claimed"] == 2  # the CREATE rows whose enqueue was "lost"

    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    summary = dispatch_tick_task()

    assert summary["claimed"] == 2
    reminders = Delivery.objects.filter(appointment_id=appointment.pk, type="REMINDER")
    assert {d.status for d in reminders} == {"SENT"}
    assert len(smtp_server.messages) == 2 and len(twilio_fake.requests) == 2
    assert dispatch_tick_task()["claimed"] == 0  # running it twice is harmless


def test_the_tick_claims_in_batches_up_to_its_limit(templates, schedule, settings, monkeypatch):
    settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE = 1
    settings.NOTIFICATIONS_DISPATCH_MAX_BATCHES = 1
    schedule()
    # Only the claims are counted here: the ids are collected instead of going to a broker.
    sent = []

    assert deliveries_tick(enqueue=sent.extend)["claimed"] == 1
    assert deliveries_tick(enqueue=sent.extend)["claimed"] == 1
    assert deliveries_tick(enqueue=sent.extend)["claimed"] == 0
    assert Delivery.objects.filter(status=DeliveryStatus.CLAIMED).count() == 2 == len(set(sent))


def test_dispatch_command_sends_everything_due_and_prints_a_summary(
    templates, schedule, smtp_server, twilio_fake, time_machine
):
    appointment = schedule()
    twilio_fake.reply_with(503, message="busy")
    time_machine.move_to(START - timedelta(minutes=5), tick=False)  # reminders and ROOM due too
    out, err = StringIO(), StringIO()

    call_command("dispatch_notifications", stdout=out, stderr=err)

    # CREATE/REMINDER/ROOM on email go out; the first SMS meets the 503 and is retried later.
    assert out.getvalue().strip() == "sent 5, retried 1, failed 0, cancelled 0"
    assert Delivery.objects.filter(appointment_id=appointment.pk, status="PENDING").count() == 1


def test_ticks_have_a_queue_of_their_own_that_every_worker_serves(settings):
    from config.celery import app

    def queue_of(task_name: str) -> str:
        return app.amqp.router.route({}, task_name)["queue"].name

    assert queue_of("notifications.dispatch_tick") == settings.NOTIFICATIONS_DISPATCH_QUEUE
    assert queue_of("notifications.send") == settings.CELERY_TASK_DEFAULT_QUEUE
    # A worker started without -Q consumes every declared queue, so it takes ticks too.
    assert set(app.amqp.queues) == {settings.CELERY_TASK_DEFAULT_QUEUE, settings.NOTIFICATIONS_DISPATCH_QUEUE}
