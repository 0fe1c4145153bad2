"""Two attendance ticks at once (two beats, two workers): each appointment is marked, and announced, once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from appointments.attendance import APPOINTMENT_NO_SHOW, CUSTOMER_WAITING, attendance_tick
from appointments.models import Appointment
from participants.models import ParticipantState
from tests.factories import ApplicationFactory, AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one writer at a time, so the two ticks cannot race",
)


def tick_in_thread(barrier, results):
    try:
        barrier.wait(timeout=10)
        results.append(attendance_tick())
    finally:
        connections.close_all()  # each thread used its own connection


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_ticks_raise_each_event_once_per_appointment():
    application = ApplicationFactory(waiting_escalation_minutes=3)
    now = timezone.now()
    for _ in range(20):
        waiting = AppointmentFactory(application=application, start=now - timedelta(minutes=10))
        CustomerFactory(
            appointment=waiting, state=ParticipantState.WAITING, state_changed_at=now - timedelta(minutes=5)
        )
        absent = AppointmentFactory(application=application, start=now - timedelta(hours=1))
        CustomerFactory(appointment=absent)
    raised: list[str] = []
    lock = threading.Lock()

    def record(event):
        with lock:
            raised.append(str(event.appointment.pk))

    CUSTOMER_WAITING.subscribe(record)
    APPOINTMENT_NO_SHOW.subscribe(record)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=tick_in_thread, args=(barrier, results)) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        CUSTOMER_WAITING.unsubscribe(record)
        APPOINTMENT_NO_SHOW.unsubscribe(record)

    assert sum(result["escalated"] for result in results) == 20
    assert sum(result["no_shows"] for result in results) == 20
    assert len(raised) == len(set(raised)) == 40
    assert Appointment.objects.filter(waiting_escalated_at__isnull=False).count() == 20
    assert Appointment.objects.filter(no_show_at__isnull=False).count() == 20
