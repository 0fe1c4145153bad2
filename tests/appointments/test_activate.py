import re

from appointments.models import Appointment
from tests.appointments.helpers import client_with


def test_activation_creates_an_unguessable_room_under_the_configured_origin(appointment, settings):
    settings.ROOM_BASE_URL = "https://rooms.example.org"
    client = client_with("ROLE_CLIENT_SERVICE", application=appointment.application, user_id="svc")

    response = client.post(f"/api/appointments/activate/{appointment.pk}")

    assert response.status_code == 200
    room = response.json()
    assert room["type"] == "MULTI_USE_TICKET"
    assert room["expires"] == "2030-01-31T19:30:00Z"
    match = re.fullmatch(r"https://rooms\.example\.org/q/([A-Za-z0-9_-]+)", room["url"])
    assert match, room["url"]
    # base64url carries 6 bits a character: at least 64 bits of randomness.
    assert len(match.group(1)) * 6 >= 64


def test_rooms_differ_between_appointments(application):
    from tests.factories import AppointmentFactory

    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")
    urls = {
        client.post(f"/api/appointments/activate/{AppointmentFactory(application=application).pk}").json()[
            "url"
        ]
        for _ in range(20)
    }

    assert len(urls) == 20


def test_a_second_activation_returns_the_same_room(appointment):
    client = client_with("ROLE_CLIENT_SERVICE", application=appointment.application, user_id="svc")

    first = client.post(f"/api/appointments/activate/{appointment.pk}").json()
    second = client.post(f"/api/appointments/activate/{appointment.pk}/").json()

    assert first == second
    assert Appointment.objects.get(pk=appointment.pk).version == 2


def test_room_access_appears_only_once_activated(appointment):
    agent = client_with("ROLE_AGENT", application=appointment.application)
    service = client_with("ROLE_CLIENT_SERVICE", application=appointment.application, user_id="svc")

    before = agent.get(f"/api/appointments/{appointment.pk}").json()
    room = service.post(f"/api/appointments/activate/{appointment.pk}").json()
    after = agent.get(f"/api/appointments/{appointment.pk}").json()

    assert "roomAccess" not in before
    assert after["roomAccess"] == room


def test_rescheduling_keeps_the_url_and_moves_the_expiry(appointment):
    agent = client_with("ROLE_AGENT", application=appointment.application)
    service = client_with("ROLE_CLIENT_SERVICE", application=appointment.application, user_id="svc")
    room = service.post(f"/api/appointments/activate/{appointment.pk}").json()
    body = {"id": str(appointment.pk), "start": "2030-02-01T10:00:00Z", "duration": "PT1H", "timezone": "UTC"}

    response = agent.put("/api/appointments/reschedule/", body, format="json")

    assert response.json()["roomAccess"] == {
        "url": room["url"],
        "type": "MULTI_USE_TICKET",
        "expires": "2030-02-01T11:00:00Z",
    }
