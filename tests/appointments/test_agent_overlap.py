"""prevent_agent_overlap: no agent organizes two uncompleted appointments at once, where asked (issue 19).

These run on either database; the race between simultaneous writes, which only
PostgreSQL lets happen, is in test_agent_overlap_concurrency.py.
"""

from datetime import UTC, datetime, timedelta

import pytest

from appointments import services
from appointments.models import Appointment, OrganizerType
from appointments.selectors import agent_overlaps_upcoming
from core.errors import Conflict
from participants.models import Participant, ParticipantType
from participants.services import CustomerDetails
from tenants.application_settings import application_settings_update
from tests.appointments.helpers import FUTURE, client_with, later, schedule_body

SETTINGS = "/api/applications/settings"


@pytest.fixture
def guarded(application):
    return application_settings_update(application=application, values={"prevent_agent_overlap": True})


@pytest.fixture
def booked(guarded):
    """agent-1 organizes 19:00-19:30 on 31 January 2030."""
    return services.appointment_schedule(
        application=guarded,
        organizer_id="agent-1",
        start=FUTURE,
        duration=timedelta(minutes=30),
        timezone="UTC",
    )


def schedule(application, *, agent="agent-1", start=FUTURE, minutes=30, **kwargs):
    return services.appointment_schedule(
        application=application,
        organizer_id=agent,
        start=start,
        duration=timedelta(minutes=minutes),
        timezone="UTC",
        **kwargs,
    )


def conflict_message(booked: Appointment) -> str:
    return (
        f"agent agent-1 already organizes appointment {booked.pk} "
        "from 2030-01-31T19:00:00Z to 2030-01-31T19:30:00Z"
    )


# --- the API's answer ---


def test_scheduling_over_the_agents_appointment_is_a_409_naming_it_and_writes_nothing(booked):
    client = client_with("ROLE_AGENT", application=booked.application, user_id="agent-1")

    response = client.post(
        "/api/appointments/", schedule_body(booked.application, start="2030-01-31T19:15:00Z"), format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"status": 409, "error": "StatusConflict", "message": conflict_message(booked)}
    assert list(Appointment.objects.values_list("pk", flat=True)) == [booked.pk]
    assert Participant.objects.count() == 1


def test_rescheduling_into_the_agents_appointment_is_a_409_naming_it_and_changes_nothing(booked):
    moving = schedule(booked.application, start=later(60))
    client = client_with("ROLE_SUPERVISOR", application=booked.application, user_id="boss")
    body = {"id": str(moving.pk), "start": "2030-01-31T18:45:00Z", "duration": "PT30M", "timezone": "UTC"}

    response = client.put("/api/appointments/reschedule/", body, format="json")

    assert response.status_code == 409
    assert response.json()["message"] == conflict_message(booked)
    stored = Appointment.objects.get(pk=moving.pk)
    assert (stored.start, stored.version, stored.sequence) == (later(60), 1, 0)


def test_reassigning_to_an_agent_busy_then_is_a_409_naming_the_appointment_and_changes_nothing(booked):
    other = schedule(booked.application, agent="agent-2", start=later(10), minutes=60)
    client = client_with("ROLE_SUPERVISOR", application=booked.application, user_id="boss")

    response = client.put(
        "/api/appointments/reassign/", {"id": str(other.pk), "userId": "agent-1"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["message"] == conflict_message(booked)
    stored = Appointment.objects.get(pk=other.pk)
    assert (stored.organizer_id, stored.version) == ("agent-2", 1)
    assert set(Participant.objects.filter(appointment=other).values_list("participant_id", "type")) == {
        ("agent-2", ParticipantType.AGENT)
    }


# --- what counts as an overlap ---


@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        (later(0), 30),  # the same slot
        (later(-10), 20),  # reaching into its start
        (later(29), 60),  # starting a minute before its end
        (later(5), 5),  # inside it
        (later(-60), 180),  # around it
    ],
)
def test_every_intersection_is_refused(booked, start, minutes):
    with pytest.raises(Conflict, match=str(booked.pk)):
        schedule(booked.application, start=start, minutes=minutes)


@pytest.mark.parametrize(("start", "minutes"), [(later(30), 30), (later(-30), 30)])
def test_back_to_back_appointments_do_not_overlap(booked, start, minutes):
    appointment = schedule(booked.application, start=start, minutes=minutes)

    assert appointment.agent_overlap_guarded is True


def test_another_agent_or_another_application_is_free_at_the_same_time(booked, other_application):
    application_settings_update(application=other_application, values={"prevent_agent_overlap": True})

    schedule(booked.application, agent="agent-2")
    schedule(other_application, agent="agent-1")

    assert Appointment.objects.filter(start=FUTURE).count() == 3


def test_with_the_setting_off_an_agent_may_be_double_booked(application):
    first = schedule(application)
    second = schedule(application, start=later(10))
    client = client_with("ROLE_SUPERVISOR", application=application, user_id="boss")
    third = schedule(application, agent="agent-2", start=later(5))

    response = client.put(
        "/api/appointments/reassign/", {"id": str(third.pk), "userId": "agent-1"}, format="json"
    )

    assert response.status_code == 200
    assert not any(a.agent_overlap_guarded for a in (first, second))


def test_a_completed_appointment_frees_its_agent(booked):
    services.appointment_end(appointment=booked)

    schedule(booked.application)

    assert Appointment.objects.filter(organizer_id="agent-1").count() == 2


def test_customer_organized_appointments_are_not_an_agents(booked):
    application = booked.application

    mine = services.appointment_schedule(
        application=application,
        organizer_type=OrganizerType.CUSTOMER,
        customer=CustomerDetails(email="bobby@example.com"),
        start=FUTURE,
        duration=timedelta(minutes=30),
        timezone="UTC",
    )

    assert mine.organizer_type == OrganizerType.CUSTOMER
    # Once an agent organizes it, it is that agent's.
    with pytest.raises(Conflict, match=str(booked.pk)):
        services.appointment_reassign(appointment=mine, agent_id="agent-1")


def test_an_appointment_written_while_the_setting_was_off_stands_in_the_way_once_it_is_on(application):
    earlier = schedule(application)
    application_settings_update(application=application, values={"prevent_agent_overlap": True})

    with pytest.raises(Conflict, match=str(earlier.pk)):
        schedule(application, start=later(15))
    assert Appointment.objects.get(pk=earlier.pk).agent_overlap_guarded is False


def test_rescheduling_an_appointment_within_its_own_time_is_not_an_overlap_with_itself(booked):
    moved = services.appointment_reschedule(
        appointment=booked, start=later(10), duration=timedelta(minutes=30), timezone="UTC"
    )

    assert (moved.start, moved.version) == (later(10), 2)


def test_each_write_stores_the_setting_it_was_made_under(application):
    appointment = schedule(application)
    assert appointment.agent_overlap_guarded is False

    application_settings_update(application=application, values={"prevent_agent_overlap": True})
    services.appointment_reschedule(
        appointment=appointment, start=later(60), duration=timedelta(minutes=30), timezone="UTC"
    )
    assert Appointment.objects.get(pk=appointment.pk).agent_overlap_guarded is True

    application_settings_update(application=application, values={"prevent_agent_overlap": False})
    services.appointment_reassign(appointment=appointment, agent_id="agent-2")
    assert Appointment.objects.get(pk=appointment.pk).agent_overlap_guarded is False


# --- turning the setting on ---


def test_turning_it_on_while_agents_are_double_booked_is_a_409_listing_them_and_keeps_it_off(application):
    admin = client_with("ROLE_ADMIN", application=application, user_id="admin")
    first = schedule(application)
    second = schedule(application, start=later(15))
    third = schedule(application, start=later(30))  # touches `first`, overlaps `second`
    schedule(application, agent="agent-2")  # alone

    response = admin.patch(SETTINGS, {"preventAgentOverlap": True}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "StatusConflict"
    assert body["message"].startswith("2 pair(s) of upcoming appointments")
    listed = body["fields"]["preventAgentOverlap"]
    assert listed == [
        f"agent agent-1: appointment {first.pk} overlaps appointment {second.pk}",
        f"agent agent-1: appointment {second.pk} overlaps appointment {third.pk}",
    ]
    assert admin.get(SETTINGS).json()["preventAgentOverlap"] is False


def test_the_refusal_lists_twenty_pairs_and_counts_the_rest(application):
    admin = client_with("ROLE_ADMIN", application=application, user_id="admin")
    for day in range(25):
        for _ in range(2):
            schedule(application, start=FUTURE + timedelta(days=day))

    response = admin.patch(SETTINGS, {"preventAgentOverlap": True}, format="json")

    listed = response.json()["fields"]["preventAgentOverlap"]
    assert response.json()["message"].startswith("25 pair(s)")
    assert len(listed) == 21
    assert listed[-1] == "and 5 more"


def test_three_at_once_are_three_pairs(application):
    for minutes in (0, 10, 20):
        schedule(application, start=later(minutes), minutes=60)

    with pytest.raises(Conflict) as refused:
        application_settings_update(application=application, values={"prevent_agent_overlap": True})

    assert refused.value.message.startswith("3 pair(s)")
    assert len(refused.value.fields["preventAgentOverlap"]) == 3


def test_overlaps_already_over_or_completed_do_not_hold_it_off(application):
    past = datetime(2020, 3, 1, 10, 0, tzinfo=UTC)
    schedule(application, start=past)
    schedule(application, start=past + timedelta(minutes=10))
    completed = schedule(application)
    schedule(application, start=later(10))
    services.appointment_end(appointment=completed)
    admin = client_with("ROLE_ADMIN", application=application, user_id="admin")

    response = admin.patch(SETTINGS, {"preventAgentOverlap": True}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["preventAgentOverlap"] is True


def test_the_search_for_overlaps_is_one_query(application, django_assert_num_queries):
    for day in range(30):
        schedule(application, start=FUTURE + timedelta(days=day))
        schedule(application, start=FUTURE + timedelta(days=day, minutes=15))
        schedule(application, agent="agent-2", start=FUTURE + timedelta(days=day, minutes=15))

    with django_assert_num_queries(1):
        pairs, total = agent_overlaps_upcoming(application_id=application.pk, now=FUTURE, limit=20)

    assert (len(pairs), total) == (20, 30)
