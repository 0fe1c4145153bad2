"""Sending in batches: reads per batch, one connection per provider, each row still claimed on its own."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import retry_on_db_errors
from notifications.backends.email import DjangoEmailBackend
from notifications.models import Delivery, DeliveryStatus, SmsOptOut
from notifications.pipeline import tasks
from notifications.pipeline.claim import deliveries_claim, deliveries_claim_batches, deliveries_reconcile
from notifications.pipeline.sending import deliveries_send
from notifications.pipeline.states import OPTED_OUT_REASON, WORKER_LOST
from participants.services import CustomerDetails
from tests.notifications.pipeline.conftest import REMINDER_PERIOD, START

pytestmark = pytest.mark.usefixtures("now")


def book(schedule, count: int) -> list:
    """`count` appointments with a customer each (own email and phone): their reminders fall due together.

    Only the REMINDER rows are left open, so that a claim takes nothing else.
    """
    booked = [
        schedule(
            title=f"Call {n}",
            customer=CustomerDetails(
                first_name=f"C{n}", email=f"c{n}@example.com", phone=f"+30693122{n:04d}"
            ),
        )
        for n in range(count)
    ]
    Delivery.objects.exclude(type="REMINDER").update(status=DeliveryStatus.CANCELLED)
    return booked


def reminders(channel: str) -> list[Delivery]:
    return list(Delivery.objects.filter(type="REMINDER", channel=channel).order_by("due_at", "pk"))


def count(queries, verb: str) -> int:
    return sum(1 for query in queries if query["sql"].lstrip().upper().startswith(verb))


def test_a_batch_goes_out_over_one_smtp_connection_and_one_twilio_connection(
    templates, schedule, smtp_server, twilio_fake, time_machine
):
    book(schedule, 6)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)

    for channel in ("EMAIL", "SMS"):
        assert deliveries_send(delivery_ids=[d.pk for d in reminders(channel)]) == {"sent": 6}

    assert len(smtp_server.messages) == 6 and len({mail.peer for mail in smtp_server.messages}) == 1
    assert len(twilio_fake.requests) == 6 and len({request.peer for request in twilio_fake.requests}) == 1
    assert {d.status for d in Delivery.objects.filter(type="REMINDER")} == {DeliveryStatus.SENT}


def test_a_batch_reads_in_a_constant_number_of_queries(templates, schedule, smtp_server, time_machine):
    book(schedule, 12)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    rows = reminders("EMAIL")

    with CaptureQueriesContext(connection) as two:
        assert deliveries_send(delivery_ids=[d.pk for d in rows[:2]]) == {"sent": 2}
    with CaptureQueriesContext(connection) as ten:
        assert deliveries_send(delivery_ids=[d.pk for d in rows[2:]]) == {"sent": 10}

    assert count(two.captured_queries, "SELECT") == count(ten.captured_queries, "SELECT") <= 6
    # Writes: the claim renewal, then per row its compare-and-set and its outcome.
    assert count(ten.captured_queries, "UPDATE") == 1 + 2 * 10


def test_the_batch_query_count_has_a_ceiling(
    templates, schedule, smtp_server, twilio_fake, time_machine, django_assert_max_num_queries
):
    book(schedule, 8)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    ids = [d.pk for d in reminders("SMS")]

    # The claim renewal and 6 reads for the batch; a row: its outcome and the next compare-and-set
    # in one transaction (a savepoint and its release here, inside the test's transaction).
    with django_assert_max_num_queries(1 + 6 + 4 * len(ids)):
        deliveries_send(delivery_ids=ids)


class _WorkerDies(BaseException):
    """What kill -9 looks like from inside: nothing after it runs, no except clause catches it."""


def test_a_worker_dying_mid_batch_leaves_one_row_in_doubt_and_the_rest_claimed(
    templates, schedule, smtp_server, time_machine, monkeypatch
):
    book(schedule, 5)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    [batch] = [ids for ids in deliveries_claim_batches() if len(ids) == 5 and reminders("EMAIL")[0].pk in ids]
    real_send, calls = DjangoEmailBackend.send, []

    def send_then_die_on_the_third(self, message):
        calls.append(message.to)
        result = real_send(self, message)
        if len(calls) == 3:
            raise _WorkerDies()  # the third email went out; its outcome is never written
        return result

    monkeypatch.setattr(DjangoEmailBackend, "send", send_then_die_on_the_third)
    with pytest.raises(_WorkerDies):
        deliveries_send(delivery_ids=batch)
    monkeypatch.setattr(DjangoEmailBackend, "send", real_send)

    rows = {d.pk: d for d in Delivery.objects.filter(pk__in=batch)}
    order = [d.pk for d in reminders("EMAIL")]
    statuses = [rows[pk].status for pk in order]
    # Sent before the death: recorded (the second's outcome went with the third's compare-and-set).
    assert statuses[:2] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    # In flight: SENDING, its outcome unknown. Not yet reached: still CLAIMED, never SENDING.
    assert statuses[2] == DeliveryStatus.SENDING
    assert statuses[3:] == [DeliveryStatus.CLAIMED, DeliveryStatus.CLAIMED]

    time_machine.move_to(START - REMINDER_PERIOD + timedelta(minutes=10), tick=False)
    deliveries_reconcile()
    after = {d.pk: d for d in Delivery.objects.filter(pk__in=batch)}
    assert after[order[2]].status == DeliveryStatus.FAILED and after[order[2]].last_error == WORKER_LOST
    assert [after[pk].status for pk in order[3:]] == [DeliveryStatus.PENDING] * 2

    deliveries_send(delivery_ids=deliveries_claim())
    received = [mail.rcpt_tos[0] for mail in smtp_server.messages]
    assert len(received) == len(set(received)) == 5  # everyone once; the one in doubt was not sent again


def test_rows_cancelled_before_sending_are_never_claimed_for_sending(
    templates, schedule, twilio_fake, time_machine, notifying
):
    [first, second] = book(schedule, 2)
    SmsOptOut.objects.create(application=notifying, phone="+306931220000", reason="STOP")
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)

    outcomes = deliveries_send(delivery_ids=[d.pk for d in reminders("SMS")])

    assert outcomes == {"sent": 1, "cancelled": 1}
    cancelled = Delivery.objects.get(type="REMINDER", channel="SMS", recipient="+306931220000")
    assert cancelled.status == DeliveryStatus.CANCELLED and cancelled.cancel_reason == OPTED_OUT_REASON
    assert cancelled.attempts == 0  # no provider call was started for it
    assert [r.form["To"] for r in twilio_fake.requests] == ["+306931220001"]


def test_the_tick_hands_out_batches_of_one_application_and_channel(
    templates, schedule, settings, time_machine
):
    settings.NOTIFICATIONS_SEND_BATCH_SIZE = 4
    book(schedule, 6)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)

    batches = deliveries_claim_batches()

    channels = [{d.channel for d in Delivery.objects.filter(pk__in=ids)} for ids in batches]
    assert sorted(len(ids) for ids in batches) == [2, 2, 4, 4]  # 6 emails and 6 texts
    assert all(len(found) == 1 for found in channels)


def test_a_batch_the_broker_refuses_is_given_back_at_once(templates, schedule, time_machine, monkeypatch):
    book(schedule, 3)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    ids = deliveries_claim()

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliveries_send_task, "delay", broker_down)
    tasks.deliveries_enqueue(ids)

    assert {d.status for d in Delivery.objects.filter(pk__in=ids)} == {DeliveryStatus.PENDING}


@pytest.mark.django_db
def test_a_lost_database_connection_is_not_retried_inside_a_transaction():
    attempts, pauses = [], []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return "done"

    # A transaction cannot be resumed: inside one, the error is the caller's.
    with transaction.atomic(), pytest.raises(OperationalError):
        retry_on_db_errors(flaky, budget_seconds=60, what="testing", sleep=pauses.append)
    assert len(attempts) == 1 and pauses == []


@pytest.mark.django_db(transaction=True)
def test_retry_gives_up_after_its_budget_and_succeeds_within_it():
    attempts, pauses = [], []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("the database system is starting up")
        return "done"

    assert retry_on_db_errors(flaky, budget_seconds=60, what="testing", sleep=pauses.append) == "done"
    assert pauses == [0.2, 0.4]

    def down():
        raise OperationalError("could not connect")

    with pytest.raises(OperationalError):
        retry_on_db_errors(down, budget_seconds=0.1, what="testing", sleep=pauses.append)


class _TickDies(BaseException):
    """kill -9 of the tick's worker between queuing a batch and committing its claim."""


def test_a_tick_that_dies_after_queuing_leaves_no_row_stranded_as_claimed(
    templates, schedule, smtp_server, time_machine
):
    from notifications.pipeline.tick import deliveries_tick

    book(schedule, 3)
    time_machine.move_to(START - REMINDER_PERIOD, tick=False)
    queued = []

    def queue_then_die(ids):
        queued.append(ids)
        raise _TickDies()

    with pytest.raises(_TickDies):
        deliveries_tick(enqueue=queue_then_die)

    # The claim rolled back with the tick: nothing waits for a lease to run out.
    assert {d.status for d in Delivery.objects.filter(type="REMINDER")} == {DeliveryStatus.PENDING}
    # The batch that did reach the broker finds its claim gone and leaves the rows to the next tick,
    [stale] = queued
    assert deliveries_send(delivery_ids=stale, claim_id=stale.claim_id) == {"skipped": len(stale)}
    # which sends each once.
    deliveries_tick(enqueue=lambda ids: deliveries_send(delivery_ids=ids, claim_id=ids.claim_id))
    received = [mail.rcpt_tos[0] for mail in smtp_server.messages]
    assert len(received) == len(set(received)) == 3


def test_a_batch_that_waited_past_its_claim_leaves_the_rows_to_the_claim_that_took_them(
    templates, schedule, smtp_server, time_machine
):
    book(schedule, 4)
    due = START - REMINDER_PERIOD
    time_machine.move_to(due, tick=False)
    [late] = [ids for ids in deliveries_claim_batches() if len(ids) == 4 and reminders("EMAIL")[0].pk in ids]
    time_machine.move_to(due + timedelta(minutes=1), tick=False)  # its claim ran out while it was queued
    deliveries_reconcile()
    [fresh] = [ids for ids in deliveries_claim_batches() if set(ids) == set(late)]

    assert deliveries_send(delivery_ids=late, claim_id=late.claim_id) == {"skipped": 4}
    assert smtp_server.messages == []  # nothing rendered or sent for the stale copy
    assert deliveries_send(delivery_ids=fresh, claim_id=fresh.claim_id) == {"sent": 4}
    assert len(smtp_server.messages) == 4
