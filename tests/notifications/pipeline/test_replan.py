"""Re-planning booked appointments after a policy change: the diff, applying it, running it again."""

import copy
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Delivery, DeliveryStatus, NotificationTemplate
from notifications.pipeline.plan_diff import plan_diff
from notifications.pipeline.planning import planning_customers, timed_plan
from notifications.pipeline.policy import policy_load, policy_with_notifications, policy_with_template
from notifications.pipeline.replan import appointments_replan
from notifications.pipeline.states import REPLANNED_REASON
from notifications.services import template_create, template_update
from tests.notifications.pipeline.conftest import (
    CUSTOMER_EMAIL,
    NOW,
    REMINDER_PERIOD,
    START,
)

pytestmark = pytest.mark.usefixtures("now")


def timed_rows(appointment, **filters):
    return list(
        Delivery.objects.filter(
            appointment_id=appointment.pk, type__in=["REMINDER", "ROOM"], **filters
        ).order_by("type", "channel", "due_at")
    )


def pending(appointment, **filters):
    return timed_rows(appointment, status=DeliveryStatus.PENDING, **filters)


def row(**fields):
    defaults = {
        "type": "REMINDER",
        "channel": "EMAIL",
        "recipient": CUSTOMER_EMAIL,
        "due_at": START - REMINDER_PERIOD,
        "status": DeliveryStatus.PENDING,
        "max_attempts": 5,
        "template_id": "00000000-0000-0000-0000-000000000001",
    }
    return Delivery(**{**defaults, **fields})


# --- the diff, on its own ---------------------------------------------------------------


def test_the_same_plan_changes_nothing():
    diff = plan_diff(queued=[row()], planned=[row()], now=NOW)

    assert not diff
    assert list(diff.changes()) == []


def test_a_template_whose_period_changed_moves_its_row():
    queued = row()
    diff = plan_diff(queued=[queued], planned=[row(due_at=START - timedelta(hours=1))], now=NOW)

    assert [(q, p.due_at) for q, p in diff.moved] == [(queued, START - timedelta(hours=1))]
    assert diff.added == diff.cancelled == []


def test_a_row_nothing_plans_any_more_is_cancelled_and_a_new_one_added():
    queued, planned = row(), row(template_id="00000000-0000-0000-0000-000000000002")
    diff = plan_diff(queued=[queued], planned=[planned], now=NOW)

    assert diff.cancelled == [queued]
    assert diff.added == [planned]
    assert [change.kind for change in diff.changes()] == ["added", "cancelled"]


def test_the_address_is_matched_as_planning_groups_it():
    diff = plan_diff(queued=[row(recipient="Bobby@Example.com")], planned=[row()], now=NOW)

    assert not diff


def test_rows_a_worker_holds_or_finished_are_never_touched_and_never_planned_again():
    held = [
        row(status=status, template_id=f"00000000-0000-0000-0000-00000000000{index}")
        for index, status in enumerate(["CLAIMED", "SENDING", "SENT", "FAILED"], start=1)
    ]
    # The first template is planned at a new time; the others are no longer planned at all.
    diff = plan_diff(queued=held, planned=[row(due_at=START - timedelta(hours=5))], now=NOW)

    assert not diff


def test_the_same_planned_time_already_sent_from_another_template_is_not_added():
    sent = row(status="SENT", template_id="00000000-0000-0000-0000-000000000009")
    diff = plan_diff(queued=[sent], planned=[row()], now=NOW)

    assert not diff


def test_a_late_notification_is_not_added_for_someone_who_already_had_one_of_its_type():
    sent = row(status="SENT")
    late = row(template_id="00000000-0000-0000-0000-000000000002", due_at=NOW)

    assert not plan_diff(queued=[sent], planned=[late], now=NOW)
    assert plan_diff(queued=[], planned=[late], now=NOW).added == [late]


def test_times_already_passed_count_as_now_on_both_sides():
    queued = row(due_at=NOW - timedelta(minutes=3))
    diff = plan_diff(queued=[queued], planned=[row(due_at=NOW)], now=NOW + timedelta(minutes=1))

    assert not diff


def test_an_endpoints_webhook_rows_are_paired_in_time_order():
    endpoint_id = "00000000-0000-0000-0000-0000000000ee"
    hook = {"channel": "WEBHOOK", "recipient": "https://crm.example/h", "template_id": None}
    early, late = (
        row(**hook, webhook_endpoint_id=endpoint_id, due_at=START - timedelta(hours=hours))
        for hours in (5, 2)
    )
    planned = [
        row(**hook, webhook_endpoint_id=endpoint_id, due_at=START - timedelta(hours=h)) for h in (2, 1)
    ]
    diff = plan_diff(queued=[early, late], planned=planned, now=NOW)

    assert [(q, p.due_at) for q, p in diff.moved] == [(early, START - timedelta(hours=1))]
    assert diff.added == diff.cancelled == []


# --- the plan, from a policy that need not be saved ---------------------------------------


def _planned(appointment, policy):
    customers = planning_customers([appointment.pk])[appointment.pk]
    return timed_plan(appointment=appointment, policy=policy, customers=customers, now=NOW)


def _shape(rows):
    return sorted((d.type, d.channel, d.recipient, d.due_at, str(d.template_id)) for d in rows)


def test_the_plan_is_what_the_live_planner_wrote_at_booking(templates, hook_endpoint, schedule, notifying):
    appointment = schedule()

    planned = _planned(appointment, policy_load(application=notifying))

    assert _shape(planned) == _shape(timed_rows(appointment))
    assert {d.channel for d in planned} == {"EMAIL", "SMS", "WEBHOOK"}


def test_a_proposed_template_is_planned_without_a_query(
    templates, schedule, notifying, django_assert_num_queries
):
    appointment = schedule()
    policy = policy_load(application=notifying)
    customers = planning_customers([appointment.pk])[appointment.pk]
    proposed = copy.copy(templates[("ROOM", "SMS")])
    proposed.period = timedelta(minutes=30)

    with django_assert_num_queries(0):
        planned = timed_plan(
            appointment=appointment,
            policy=policy_with_template(policy, template=proposed),
            customers=customers,
            now=NOW,
        )
        switched_off = timed_plan(
            appointment=appointment,
            policy=policy_with_notifications(policy, active=False),
            customers=customers,
            now=NOW,
        )

    rooms = {d.channel: d.due_at for d in planned if d.type == "ROOM"}
    assert rooms == {"EMAIL": START - timedelta(minutes=10), "SMS": START - timedelta(minutes=30)}
    assert switched_off == []
    assert NotificationTemplate.objects.get(pk=proposed.pk).period == timedelta(minutes=10)


# --- applying it ----------------------------------------------------------------------


@pytest.fixture
def booked(templates, schedule):
    """Three booked appointments, each with a customer on email and SMS."""
    return [schedule(title=f"Advice {index}") for index in range(3)]


def test_a_template_change_alone_leaves_booked_appointments_as_they_were(templates, booked):
    before = {d.pk: d.due_at for a in booked for d in pending(a)}

    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=1))

    assert {d.pk: d.due_at for a in booked for d in pending(a)} == before


def test_replan_moves_the_rows_of_a_changed_period_and_a_second_run_changes_nothing(
    templates, booked, notifying
):
    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=1))
    untouched = {
        d.pk: d.due_at for a in booked for d in pending(a) if (d.type, d.channel) != ("REMINDER", "EMAIL")
    }

    summary = appointments_replan(application=notifying)

    assert (summary.appointments, summary.appointments_changed) == (3, 3)
    assert (summary.added, summary.moved, summary.cancelled) == (0, 3, 0)
    for appointment in booked:
        [reminder] = pending(appointment, type="REMINDER", channel="EMAIL")
        assert reminder.due_at == START - timedelta(hours=1)
    assert {d.pk: d.due_at for a in booked for d in pending(a) if d.pk in untouched} == untouched

    again = appointments_replan(application=notifying)
    assert (again.appointments, again.changed) == (3, 0)


def test_replan_cancels_a_deactivated_templates_rows_and_adds_a_new_ones(templates, booked, notifying):
    template_update(template=templates[("ROOM", "SMS")], active=False)
    template_create(
        application=notifying,
        type="REMINDER",
        channel="SMS",
        locale="en_US",
        text_body="Tomorrow: {{title}}",
        period=timedelta(days=2),
    )

    summary = appointments_replan(application=notifying)

    assert summary.counts == {("ROOM", "SMS", "cancelled"): 3, ("REMINDER", "SMS", "added"): 3}
    for appointment in booked:
        assert pending(appointment, type="ROOM", channel="SMS") == []
        [cancelled] = timed_rows(appointment, type="ROOM", channel="SMS")
        assert cancelled.cancel_reason == REPLANNED_REASON
        # Two days before a start a day away has passed: the new reminder goes out now.
        assert sorted(d.due_at for d in pending(appointment, type="REMINDER", channel="SMS")) == [
            NOW,
            START - REMINDER_PERIOD,
        ]
    assert appointments_replan(application=notifying).changed == 0


def test_replan_never_sends_again_what_was_sent_nor_touches_rows_being_sent(templates, booked, notifying):
    sent_appointment, claimed_appointment, _ = booked
    [sent] = pending(sent_appointment, type="REMINDER", channel="EMAIL")
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    [claimed] = pending(claimed_appointment, type="REMINDER", channel="EMAIL")
    Delivery.objects.filter(pk=claimed.pk).update(status=DeliveryStatus.CLAIMED)
    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=1))

    summary = appointments_replan(application=notifying)

    assert summary.counts == {("REMINDER", "EMAIL", "moved"): 1}
    assert [d.status for d in timed_rows(sent_appointment, type="REMINDER", channel="EMAIL")] == ["SENT"]
    claimed.refresh_from_db()
    assert (claimed.status, claimed.due_at) == ("CLAIMED", START - REMINDER_PERIOD)


def test_switching_the_applications_notifications_on_plans_the_appointments_booked_while_off(
    templates, schedule, notifying
):
    notifying.notifications_active = False
    notifying.save(update_fields=["notifications_active"])
    appointment = schedule()
    assert timed_rows(appointment) == []

    notifying.notifications_active = True
    notifying.save(update_fields=["notifications_active"])
    summary = appointments_replan(application=notifying)

    assert summary.added == 4
    assert sorted((d.type, d.channel) for d in pending(appointment)) == [
        ("REMINDER", "EMAIL"),
        ("REMINDER", "SMS"),
        ("ROOM", "EMAIL"),
        ("ROOM", "SMS"),
    ]


def test_webhook_rows_follow_the_periods_of_the_templates(templates, hook_endpoint, schedule, notifying):
    appointment = schedule()
    [hook] = pending(appointment, type="REMINDER", channel="WEBHOOK")
    for channel in ("EMAIL", "SMS"):
        template_update(template=templates[("REMINDER", channel)], period=timedelta(hours=3))

    summary = appointments_replan(application=notifying)

    assert summary.counts == {
        ("REMINDER", "EMAIL", "moved"): 1,
        ("REMINDER", "SMS", "moved"): 1,
        ("REMINDER", "WEBHOOK", "moved"): 1,
    }
    hook.refresh_from_db()
    assert (hook.status, hook.due_at) == ("PENDING", START - timedelta(hours=3))


def test_appointments_that_started_or_ended_are_left_alone(templates, schedule, notifying):
    started = schedule(start=NOW - timedelta(minutes=5))
    before = {d.pk: (d.status, d.due_at) for d in timed_rows(started)}
    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=1))

    summary = appointments_replan(application=notifying)

    assert summary.appointments == 0
    assert {d.pk: (d.status, d.due_at) for d in timed_rows(started)} == before


class Interrupted(Exception):
    pass


def test_an_interrupted_replan_is_finished_by_running_it_again(templates, schedule, notifying):
    booked = [schedule(title=f"Advice {index}") for index in range(5)]
    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=1))
    batches = []

    def interrupt_after_first_batch(count):
        batches.append(count)
        raise Interrupted

    with pytest.raises(Interrupted):
        appointments_replan(application=notifying, batch_size=2, progress=interrupt_after_first_batch)

    moved = [
        a for a in booked if pending(a, type="REMINDER", channel="EMAIL")[0].due_at != START - REMINDER_PERIOD
    ]
    assert batches == [2]
    assert sorted(a.pk for a in moved) == sorted(a.pk for a in booked)[:2]

    resumed = appointments_replan(application=notifying, batch_size=2)
    assert (resumed.appointments, resumed.moved) == (5, 3)
    for appointment in booked:
        [reminder] = pending(appointment, type="REMINDER", channel="EMAIL")
        assert reminder.due_at == START - timedelta(hours=1)
    assert appointments_replan(application=notifying, batch_size=2).changed == 0


def _queries(callable_):
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_a_batch_costs_the_same_queries_whatever_its_size(templates, schedule, notifying):
    few = [schedule(title="few") for _ in range(2)]
    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=1))
    for_few = _queries(lambda: appointments_replan(application=notifying, batch_size=100))
    assert all(
        pending(a, type="REMINDER", channel="EMAIL")[0].due_at == START - timedelta(hours=1) for a in few
    )

    for _ in range(10):
        schedule(title="many")
    template_update(template=templates[("REMINDER", "EMAIL")], period=timedelta(hours=4))
    for_many = _queries(lambda: appointments_replan(application=notifying, batch_size=100))

    assert for_many == for_few
    assert for_few <= 14
