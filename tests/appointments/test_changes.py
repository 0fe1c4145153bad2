"""Every notifiable change passes once through appointments.changes.appointment_changed.

These tests run without the test-wide transaction, so that "inside a transaction"
means the service's own.
"""

from datetime import timedelta

import pytest
from django.db import connection

from appointments import changes, participant_services, services
from appointments.changes import AppointmentChange
from appointments.models import Appointment
from participants.models import ParticipantType
from participants.services import CustomerDetails
from tests.appointments.helpers import FUTURE
from tests.factories import ApplicationFactory, AppointmentFactory, CustomerFactory


@pytest.fixture
def recorded():
    """Record each publication of the change event: its change, and what the world looked like then."""
    calls = []

    def recording(event: changes.AppointmentChanged) -> None:
        calls.append(
            {
                "change": event.change,
                "in_transaction": connection.in_atomic_block,
                "row_exists": Appointment.objects.filter(pk=event.appointment.pk).exists(),
                "participant": event.participant.participant_id if event.participant else None,
            }
        )

    changes.APPOINTMENT_CHANGED.subscribe(recording)
    yield calls
    changes.APPOINTMENT_CHANGED.unsubscribe(recording)


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booked():
    appointment = AppointmentFactory(organizer_id="agent-1", start=FUTURE)
    CustomerFactory(appointment=appointment, participant_id="cust-1")
    return appointment


def only(calls) -> tuple:
    assert len(calls) == 1, calls
    assert calls[0]["in_transaction"]
    return calls[0]["change"], calls[0]["participant"]


def test_schedule(recorded):
    application = ApplicationFactory()
    services.appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=FUTURE,
        duration=timedelta(minutes=5),
        timezone="UTC",
        customer=CustomerDetails(first_name="Bo"),
    )

    assert only(recorded) == (AppointmentChange.CREATED, None)


def test_schedule_with_auto_activation_reports_both(recorded):
    application = ApplicationFactory(auto_activate=True)
    services.appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=FUTURE,
        duration=timedelta(minutes=5),
        timezone="UTC",
    )

    assert [call["change"] for call in recorded] == [AppointmentChange.CREATED, AppointmentChange.ACTIVATED]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (lambda a: services.appointment_update(appointment=a, title="New"), AppointmentChange.UPDATED),
        (
            lambda a: services.appointment_reschedule(
                appointment=a, start=FUTURE, duration=timedelta(hours=1), timezone="UTC"
            ),
            AppointmentChange.RESCHEDULED,
        ),
        (
            lambda a: services.appointment_reassign(appointment=a, agent_id="agent-2"),
            AppointmentChange.REASSIGNED,
        ),
        (lambda a: services.appointment_activate(appointment=a), AppointmentChange.ACTIVATED),
        (lambda a: services.appointment_end(appointment=a), AppointmentChange.ENDED),
    ],
    ids=["update", "reschedule", "reassign", "activate", "end"],
)
def test_appointment_changes(recorded, booked, action, expected):
    action(booked)

    assert only(recorded) == (expected, None)
    booked.refresh_from_db()
    assert booked.version == 2
    assert booked.sequence == (1 if expected == AppointmentChange.RESCHEDULED else 0)


def test_delete_reports_while_the_row_still_exists(recorded, booked):
    services.appointment_delete(appointment=booked)

    assert only(recorded) == (AppointmentChange.DELETED, None)
    assert recorded[0]["row_exists"]
    assert not Appointment.objects.filter(pk=booked.pk).exists()


def test_participant_changes_name_the_participant(recorded, booked):
    agent = participant_services.participant_add_agent(appointment=booked, agent_id="agent-3")
    participant_services.participant_add_customer(
        appointment=booked, customer=CustomerDetails(first_name="Sue")
    )
    customer = booked.participants.get(participant_id="cust-1")
    participant_services.participant_update_state(participant=customer, state="JOINED")
    participant_services.participant_remove(participant=agent)

    assert [(c["change"], c["participant"] is not None) for c in recorded] == [
        (AppointmentChange.PARTICIPANT_ADDED, True),
        (AppointmentChange.PARTICIPANT_ADDED, True),
        (AppointmentChange.PARTICIPANT_STATE_CHANGED, True),
        (AppointmentChange.PARTICIPANT_REMOVED, True),
    ]
    assert recorded[0]["participant"] == "agent-3"
    assert all(call["in_transaction"] for call in recorded)


def test_no_change_reports_nothing(recorded, booked):
    customer = booked.participants.get(type=ParticipantType.CUSTOMER)
    services.appointment_activate(appointment=booked)
    services.appointment_end(appointment=booked)
    participant_services.participant_update_state(participant=customer, state="LEFT")
    recorded.clear()

    services.appointment_activate(appointment=booked)
    services.appointment_end(appointment=booked)
    participant_services.participant_update_state(participant=customer, state="LEFT")
    services.appointment_update(appointment=booked, title=booked.title)
    services.appointment_reassign(appointment=booked, agent_id="agent-1")
    services.appointment_reschedule(
        appointment=booked, start=booked.start, duration=booked.duration, timezone=booked.timezone
    )

    assert recorded == []


def test_a_failing_subscriber_rolls_the_whole_change_back(booked):
    """What a higher app does on the event is part of the change: if it fails, nothing is written."""

    def refuse(event: changes.AppointmentChanged) -> None:
        raise RuntimeError("the subscriber failed")

    changes.APPOINTMENT_CHANGED.subscribe(refuse)
    try:
        with pytest.raises(RuntimeError, match="the subscriber failed"):
            services.appointment_update(appointment=booked, title="Never stored")
    finally:
        changes.APPOINTMENT_CHANGED.unsubscribe(refuse)

    stored = Appointment.objects.get(pk=booked.pk)
    assert (stored.title, stored.version) == (booked.title, booked.version)
