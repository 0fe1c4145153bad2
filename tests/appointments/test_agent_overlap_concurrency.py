"""Simultaneous writes double-booking an agent: PostgreSQL's exclusion constraint lets exactly one through."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from appointments import services
from appointments.models import Appointment
from core.errors import Conflict
from tenants.application_settings import application_settings_update
from tests.appointments.helpers import FUTURE, client_with, later, schedule_body
from tests.factories import ApplicationFactory, AppointmentFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite runs one writer at a time, so the requests cannot race",
    ),
    pytest.mark.django_db(transaction=True),
]

REQUESTS = 8


def guarded_application():
    application = ApplicationFactory()
    return application_settings_update(application=application, values={"prevent_agent_overlap": True})


def in_threads(count, work):
    """Run work(i) in `count` threads released together; their results in thread order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        finally:
            connections.close_all()  # each thread used its own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_parallel_creates_for_one_agent_and_time_give_one_200_and_409s_naming_it(round_):
    application = guarded_application()
    clients = [client_with("ROLE_AGENT", application=application, user_id="agent-1") for _ in range(REQUESTS)]
    # The same agent, overlapping by minutes rather than all in one slot.
    bodies = [
        schedule_body(application, start=f"2030-01-31T19:{minute:02d}:00Z") for minute in range(REQUESTS)
    ]

    responses = in_threads(
        REQUESTS, lambda i: clients[i].post("/api/appointments/", bodies[i], format="json")
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (REQUESTS - 1), [r.json() for r in responses]
    [winner] = Appointment.objects.filter(application=application)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == "StatusConflict"
            assert f"already organizes appointment {winner.pk} " in response.json()["message"]


def test_parallel_reschedules_onto_one_slot_let_one_through():
    application = guarded_application()
    appointments = [
        services.appointment_schedule(
            application=application,
            organizer_id="agent-1",
            start=later(60 * (index + 1)),
            duration=timedelta(minutes=30),
            timezone="UTC",
        )
        for index in range(4)
    ]

    def reschedule(index):
        try:
            services.appointment_reschedule(
                appointment=appointments[index], start=FUTURE, duration=timedelta(minutes=45), timezone="UTC"
            )
        except Conflict as refused:
            return refused.message
        return "moved"

    results = in_threads(len(appointments), reschedule)

    assert sorted(results).count("moved") == 1
    assert Appointment.objects.filter(start=FUTURE).count() == 1


def test_a_write_that_loses_the_race_at_the_constraint_gets_the_409_naming_the_winner():
    """The loser's look-up sees nothing yet; its insert waits on the winner's row, then violates."""
    application = guarded_application()
    winner: list[Appointment] = []
    inserted = threading.Event()

    def win():
        try:
            with transaction.atomic():
                winner.append(
                    services.appointment_schedule(
                        application=application,
                        organizer_id="agent-1",
                        start=FUTURE,
                        duration=timedelta(minutes=30),
                        timezone="UTC",
                    )
                )
                inserted.set()
                _wait_for_a_backend_waiting_on_a_lock()
        finally:
            connections.close_all()

    def lose():
        inserted.wait(timeout=10)
        try:
            services.appointment_schedule(
                application=application,
                organizer_id="agent-1",
                start=later(10),
                duration=timedelta(minutes=30),
                timezone="UTC",
            )
        except Conflict as refused:
            return refused.message
        finally:
            connections.close_all()
        return "scheduled"

    results: list = []
    threads = [threading.Thread(target=win), threading.Thread(target=lambda: results.append(lose()))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results == [
        f"agent agent-1 already organizes appointment {winner[0].pk} "
        "from 2030-01-31T19:00:00Z to 2030-01-31T19:30:00Z"
    ]


def test_turning_the_setting_on_waits_for_a_write_in_flight_and_then_sees_it():
    application = ApplicationFactory()
    first = AppointmentFactory(application=application, organizer_id="agent-1", start=FUTURE)
    written = threading.Event()
    second: list[Appointment] = []
    refusals: list[Conflict] = []

    def write_with_the_setting_off():
        try:
            with transaction.atomic():
                second.append(
                    services.appointment_schedule(
                        application=application,
                        organizer_id="agent-1",
                        start=later(10),
                        duration=timedelta(minutes=30),
                        timezone="UTC",
                    )
                )
                written.set()
                _wait_for_a_backend_waiting_on_a_lock()
        finally:
            connections.close_all()

    def turn_on():
        written.wait(timeout=10)
        try:
            application_settings_update(application=application, values={"prevent_agent_overlap": True})
        except Conflict as refused:
            refusals.append(refused)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write_with_the_setting_off), threading.Thread(target=turn_on)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    [refused] = refusals
    assert refused.fields == {
        "preventAgentOverlap": [f"agent agent-1: appointment {first.pk} overlaps appointment {second[0].pk}"]
    }


def test_a_write_waits_for_the_setting_being_turned_on_and_then_obeys_it():
    application = ApplicationFactory()
    first = AppointmentFactory(application=application, organizer_id="agent-1", start=FUTURE)
    moving = AppointmentFactory(application=application, organizer_id="agent-1", start=later(120))
    turned_on = threading.Event()
    results: list[str] = []

    def turn_on():
        try:
            with transaction.atomic():
                application_settings_update(application=application, values={"prevent_agent_overlap": True})
                turned_on.set()
                _wait_for_a_backend_waiting_on_a_lock()
        finally:
            connections.close_all()

    def reschedule_into_the_first():
        turned_on.wait(timeout=10)
        try:
            services.appointment_reschedule(
                appointment=moving, start=later(10), duration=timedelta(minutes=30), timezone="UTC"
            )
            results.append("moved")
        except Conflict as refused:
            results.append(refused.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=turn_on), threading.Thread(target=reschedule_into_the_first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results == [
        f"agent agent-1 already organizes appointment {first.pk} "
        "from 2030-01-31T19:00:00Z to 2030-01-31T19:30:00Z"
    ]
    assert Appointment.objects.get(pk=moving.pk).start == later(120)


def _wait_for_a_backend_waiting_on_a_lock() -> None:
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot taken once; take a new one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second write never waited on the first")


def test_the_database_itself_refuses_two_guarded_overlapping_rows_of_one_agent():
    application = ApplicationFactory()
    AppointmentFactory(
        application=application, organizer_id="agent-1", start=FUTURE, agent_overlap_guarded=True
    )
    # Unguarded rows, another agent and touching times pass.
    AppointmentFactory(application=application, organizer_id="agent-1", start=later(10))
    AppointmentFactory(
        application=application, organizer_id="agent-2", start=FUTURE, agent_overlap_guarded=True
    )
    AppointmentFactory(
        application=application, organizer_id="agent-1", start=later(30), agent_overlap_guarded=True
    )

    with pytest.raises(IntegrityError, match="appt_agent_no_overlap"), transaction.atomic():
        AppointmentFactory(
            application=application, organizer_id="agent-1", start=later(15), agent_overlap_guarded=True
        )
