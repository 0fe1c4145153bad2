"""Waiting-room escalation and no-shows (appointments/attendance.py), at fixed times (time-machine).

The events are recorded as published; what notifications makes of them is tested in
tests/notifications/pipeline/test_attendance.py.
"""

from datetime import UTC, datetime, timedelta

import pytest

from appointments.attendance import (
    APPOINTMENT_NO_SHOW,
    CUSTOMER_WAITING,
    appointment_no_show_mark,
    appointment_waiting_escalate,
    attendance_tick,
)
from appointments.attendance_selectors import no_show_due, waiting_escalation_due
from appointments.models import Appointment
from appointments.participant_services import participant_add_agent, participant_update_state
from appointments.selectors import customers_waiting
from appointments.services import appointment_end, appointment_reschedule, appointment_schedule
from participants.models import Participant, ParticipantType
from participants.services import CustomerDetails
from tenants.models import Application

START = datetime(2030, 3, 5, 10, 0, tzinfo=UTC)
DURATION = timedelta(minutes=30)


@pytest.fixture
def clock(time_machine):
    """clock(moment): move to `moment`, which stays still until the next move."""

    def _move(moment):
        time_machine.move_to(moment, tick=False)
        return moment

    _move(START - timedelta(days=1))
    return _move


@pytest.fixture
def raised():
    """The attendance events as published: ("waiting" | "no_show", appointment id, details)."""
    seen = []

    def on_waiting(event):
        seen.append(("waiting", event.appointment.pk, [c.participant_id for c in event.customers]))

    def on_no_show(event):
        seen.append(("no_show", event.appointment.pk, "ended" if event.ended else "passed"))

    CUSTOMER_WAITING.subscribe(on_waiting)
    APPOINTMENT_NO_SHOW.subscribe(on_no_show)
    yield seen
    CUSTOMER_WAITING.unsubscribe(on_waiting)
    APPOINTMENT_NO_SHOW.unsubscribe(on_no_show)


def book(application, *, start=START, customers=1, **overrides) -> Appointment:
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=start,
        duration=DURATION,
        timezone="Europe/Berlin",
        title="Mortgage advice",
        customer=CustomerDetails(first_name="Bobby", last_name="Ewing") if customers else None,
        **overrides,
    )
    return appointment


def customer(appointment) -> Participant:
    return Participant.objects.filter(appointment=appointment, type=ParticipantType.CUSTOMER).first()


def agent(appointment) -> Participant:
    return Participant.objects.get(appointment=appointment, participant_id=appointment.organizer_id)


def set_state(participant, state) -> Participant:
    return participant_update_state(participant=participant, state=state)


def test_state_changes_are_timed_and_a_first_join_is_kept_after_leaving(application, clock):
    appointment = book(application)
    bobby = customer(appointment)
    assert (bobby.state_changed_at, bobby.first_joined_at) == (None, None)

    clock(START - timedelta(minutes=2))
    set_state(bobby, "WAITING")
    clock(START + timedelta(minutes=1))
    set_state(bobby, "JOINED")
    clock(START + timedelta(minutes=9))
    set_state(bobby, "LEFT")
    clock(START + timedelta(minutes=10))
    set_state(bobby, "JOINED")

    bobby.refresh_from_db()
    assert bobby.state_changed_at == START + timedelta(minutes=10)
    assert bobby.first_joined_at == START + timedelta(minutes=1)


def test_escalates_after_the_minutes_counted_from_the_start_not_before(application, clock, raised):
    appointment = book(application)
    clock(START - timedelta(minutes=5))
    set_state(customer(appointment), "WAITING")  # early: the wait counts from the start

    clock(START + timedelta(minutes=2, seconds=59))
    assert attendance_tick() == {"escalated": 0, "no_shows": 0}
    clock(START + timedelta(minutes=3))
    assert attendance_tick() == {"escalated": 1, "no_shows": 0}

    appointment.refresh_from_db()
    assert appointment.waiting_escalated_at == START + timedelta(minutes=3)
    assert raised == [("waiting", appointment.pk, [customer(appointment).participant_id])]


def test_a_wait_begun_after_the_start_counts_from_when_it_began(application, clock, raised):
    appointment = book(application)
    clock(START + timedelta(minutes=10))
    set_state(customer(appointment), "WAITING")

    clock(START + timedelta(minutes=12, seconds=59))
    assert attendance_tick()["escalated"] == 0
    clock(START + timedelta(minutes=13))
    assert attendance_tick()["escalated"] == 1


def test_raised_once_however_often_the_tick_or_the_mark_runs(application, clock, raised):
    appointment = book(application)
    clock(START)
    set_state(customer(appointment), "WAITING")
    clock(START + timedelta(minutes=4))

    assert attendance_tick()["escalated"] == 1
    assert attendance_tick()["escalated"] == 0
    # A second beat that read the appointment before the first marked it: its compare-and-set loses.
    assert appointment_waiting_escalate(appointment_id=appointment.pk) is False
    clock(START + timedelta(minutes=20))
    assert attendance_tick()["escalated"] == 0
    assert [kind for kind, *_ in raised] == ["waiting"]


def test_not_raised_while_an_agent_is_joined(application, clock, raised):
    appointment = book(application)
    participant_add_agent(appointment=appointment, agent_id="agent-2")
    clock(START)
    set_state(customer(appointment), "WAITING")
    set_state(Participant.objects.get(appointment=appointment, participant_id="agent-2"), "JOINED")

    clock(START + timedelta(minutes=10))
    assert attendance_tick()["escalated"] == 0
    assert waiting_escalation_due(now=START + timedelta(minutes=10), limit=10) == []
    assert raised == []


def test_off_when_the_application_sets_no_minutes_and_each_application_has_its_own(
    application, other_application, clock, raised
):
    Application.objects.filter(pk=application.pk).update(waiting_escalation_minutes=None)
    Application.objects.filter(pk=other_application.pk).update(waiting_escalation_minutes=10)
    off, patient = book(application), book(other_application)
    clock(START)
    set_state(customer(off), "WAITING")
    set_state(customer(patient), "WAITING")

    clock(START + timedelta(minutes=9))
    assert attendance_tick()["escalated"] == 0
    clock(START + timedelta(minutes=10))
    assert attendance_tick()["escalated"] == 1
    clock(START + timedelta(minutes=25))
    assert attendance_tick()["escalated"] == 0
    assert [appointment_id for _, appointment_id, _ in raised] == [patient.pk]


def test_nothing_is_raised_for_a_customer_who_joined_or_an_appointment_over(application, clock, raised):
    joined, ended = book(application), book(application)
    clock(START)
    set_state(customer(joined), "WAITING")
    set_state(customer(ended), "WAITING")
    clock(START + timedelta(minutes=1))
    set_state(customer(joined), "JOINED")
    appointment_end(appointment=ended)

    clock(START + timedelta(minutes=5))
    assert attendance_tick()["escalated"] == 0
    assert [kind for kind, *_ in raised] == ["no_show"]  # the ended one: nobody ever joined


def test_ending_with_no_customer_ever_joined_is_a_no_show_at_once(application, clock, raised):
    appointment = book(application)
    clock(START + timedelta(minutes=5))
    set_state(customer(appointment), "WAITING")

    ended = appointment_end(appointment=appointment)
    appointment_end(appointment=appointment)  # ending again changes nothing

    assert ended.no_show_at == START + timedelta(minutes=5)
    assert Appointment.objects.get(pk=appointment.pk).no_show_at == START + timedelta(minutes=5)
    assert raised == [("no_show", appointment.pk, "ended")]
    clock(START + timedelta(hours=1))
    assert attendance_tick()["no_shows"] == 0  # not a second time when it passes its end


def test_a_customer_who_joined_then_left_is_no_no_show(application, clock, raised):
    left_early, passed = book(application), book(application)
    clock(START + timedelta(minutes=1))
    for appointment in (left_early, passed):
        set_state(customer(appointment), "JOINED")
    clock(START + timedelta(minutes=3))
    for appointment in (left_early, passed):
        set_state(customer(appointment), "LEFT")

    appointment_end(appointment=left_early)
    clock(START + DURATION + timedelta(minutes=1))
    assert attendance_tick()["no_shows"] == 0
    assert Appointment.objects.filter(no_show_at__isnull=False).count() == 0
    assert raised == []


def test_passing_the_end_with_no_customer_ever_joined_is_a_no_show_once(application, clock, raised):
    absent, no_customers = book(application), book(application, customers=0)
    clock(START + DURATION - timedelta(seconds=1))
    assert attendance_tick()["no_shows"] == 0

    clock(START + DURATION)
    assert attendance_tick()["no_shows"] == 1
    assert attendance_tick()["no_shows"] == 0
    assert appointment_no_show_mark(appointment_id=absent.pk) is False

    assert Appointment.objects.get(pk=absent.pk).no_show_at == START + DURATION
    assert Appointment.objects.get(pk=no_customers.pk).no_show_at is None  # nobody was expected
    assert raised == [("no_show", absent.pk, "passed")]


def test_a_no_show_found_by_a_late_tick_is_not_marked_once_rescheduled(application, clock, raised):
    appointment = book(application)
    clock(START + DURATION + timedelta(minutes=1))
    appointment_reschedule(
        appointment=appointment, start=START + timedelta(days=1), duration=DURATION, timezone="Europe/Berlin"
    )

    # A tick that read it before the reschedule re-checks the end under the row lock.
    assert appointment_no_show_mark(appointment_id=appointment.pk) is False
    assert raised == []


def test_appointments_that_ended_before_the_lookback_are_left_alone(application, clock, settings, raised):
    book(application)
    clock(START + DURATION + settings.APPOINTMENTS_NO_SHOW_LOOKBACK + timedelta(seconds=1))

    assert attendance_tick()["no_shows"] == 0


def test_a_tick_marks_at_most_a_batch_of_each(application, clock, settings, raised):
    settings.APPOINTMENTS_ATTENDANCE_BATCH_SIZE = 2
    for _ in range(3):
        book(application)
    clock(START + DURATION)

    assert attendance_tick()["no_shows"] == 2
    assert attendance_tick()["no_shows"] == 1


def test_customers_waiting_lists_the_waits_of_the_given_applications(
    application, other_application, clock, raised
):
    early = book(application)
    late = book(application, start=START + timedelta(minutes=5))
    joined_agent = book(application, start=START + timedelta(minutes=1))
    elsewhere = book(other_application)
    clock(START - timedelta(minutes=1))
    for appointment in (early, late, joined_agent, elsewhere):
        set_state(customer(appointment), "WAITING")
    set_state(agent(joined_agent), "JOINED")
    clock(START + timedelta(minutes=4, seconds=30))
    attendance_tick()

    waiting = customers_waiting(application_ids=[application.pk], now=START + timedelta(minutes=7))

    shown = [
        (w.appointment.pk, w.waited_minutes, w.agent_joined, w.escalated_at is not None) for w in waiting
    ]
    assert shown == [
        (early.pk, 7, False, True),
        (joined_agent.pk, 6, True, False),
        (late.pk, 2, False, False),
    ]
    assert [c.participant_id for c in waiting[0].customers] == [customer(early).participant_id]
    assert waiting[0].waiting_since == START


def test_the_reads_are_a_fixed_number_of_queries(
    application, other_application, clock, django_assert_num_queries
):
    Application.objects.filter(pk=other_application.pk).update(waiting_escalation_minutes=10)
    for app in (application, other_application):
        for _ in range(6):
            appointment = book(app)
            clock(START - timedelta(minutes=1))
            set_state(customer(appointment), "WAITING")
            clock(START - timedelta(days=1))
    now = START + timedelta(minutes=15)

    with django_assert_num_queries(2):  # the thresholds in use, then the due appointments
        assert len(waiting_escalation_due(now=now, limit=500)) == 12
    with django_assert_num_queries(1):
        assert len(no_show_due(now=START + DURATION, limit=500)) == 12
    with django_assert_num_queries(1):
        waiting = customers_waiting(application_ids=[application.pk, other_application.pk], now=now)
        assert [w.appointment.application.name for w in waiting]  # no query per row
    assert len(waiting) == 12
