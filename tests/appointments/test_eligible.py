from datetime import timedelta

import time_machine

from appointments.models import InteractionState
from tests.appointments.helpers import client_with, later
from tests.factories import AppointmentFactory


@time_machine.travel(later(0), tick=False)
def test_lists_not_activated_appointments_starting_within_the_frame(application, other_application):
    soon = AppointmentFactory(application=application, start=later(30))
    AppointmentFactory(application=application, start=later(30), room_url="https://video.example.com/q/x")
    AppointmentFactory(application=application, start=later(-5))
    AppointmentFactory(application=application, start=later(3 * 60))
    AppointmentFactory(application=other_application, start=later(30))
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    response = client.get("/api/appointments/eligible/", {"timeFrame": '"PT2H"'})

    assert response.status_code == 200
    assert response["Deprecation"] == "true"
    soon.refresh_from_db()
    assert response.json() == [
        {
            "eligibleFrom": soon.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "id": str(soon.pk),
            "start": "2030-01-31T19:30:00Z",
            "timezone": "Europe/Berlin",
        }
    ]


@time_machine.travel(later(0), tick=False)
def test_without_a_frame_every_scheduled_appointment_not_yet_activated_is_eligible(
    application, other_application, django_assert_max_num_queries
):
    # The document's NOTE: activations have no time limits, so past and far-off ones count.
    long_ago = AppointmentFactory(application=application, start=later(-30 * 24 * 60))
    next_year = AppointmentFactory(application=application, start=later(365 * 24 * 60))
    tomorrow = AppointmentFactory(application=application, start=later(25 * 60))
    AppointmentFactory(application=application, start=later(30), room_url="https://video.example.com/q/x")
    AppointmentFactory(application=application, start=later(60), interaction_state=InteractionState.COMPLETE)
    AppointmentFactory(application=other_application, start=later(30))
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    with django_assert_max_num_queries(2):  # the caller's application, the list
        response = client.get("/api/appointments/eligible")

    assert response.status_code == 200
    assert response["Deprecation"] == "true"
    assert [row["id"] for row in response.json()] == [str(a.pk) for a in (long_ago, tomorrow, next_year)]


@time_machine.travel(later(0), tick=False)
def test_the_unbounded_list_costs_one_query_however_long(application, django_assert_max_num_queries):
    for minutes in range(0, 50 * 60, 60):
        AppointmentFactory(application=application, start=later(minutes), with_organizer=False)
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    with django_assert_max_num_queries(2):  # the caller's application, the list
        response = client.get("/api/appointments/eligible/")

    assert len(response.json()) == 50


@time_machine.travel(later(0), tick=False)
def test_a_frame_keeps_the_deprecated_window(application):
    AppointmentFactory(application=application, start=later(-5))
    inside = AppointmentFactory(application=application, start=later(23 * 60))
    AppointmentFactory(application=application, start=later(25 * 60), duration=timedelta(minutes=5))
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    response = client.get("/api/appointments/eligible", {"timeFrame": "P1D"})

    assert [row["id"] for row in response.json()] == [str(inside.pk)]


def test_a_bad_time_frame_is_named(application):
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    response = client.get("/api/appointments/eligible/", {"timeFrame": "tomorrow"})

    assert response.status_code == 400
    assert "timeFrame" in response.json()["fields"]
