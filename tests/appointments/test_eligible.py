from datetime import timedelta

import time_machine

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
def test_the_frame_defaults_to_a_day(application):
    AppointmentFactory(application=application, start=later(23 * 60))
    AppointmentFactory(application=application, start=later(25 * 60), duration=timedelta(minutes=5))
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    assert len(client.get("/api/appointments/eligible").json()) == 1


def test_a_bad_time_frame_is_named(application):
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    response = client.get("/api/appointments/eligible/", {"timeFrame": "tomorrow"})

    assert response.status_code == 400
    assert "timeFrame" in response.json()["fields"]
