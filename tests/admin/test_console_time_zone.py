"""Console dates in the zone the user's browser reports (core/time_zones.py), with the zone named."""

from datetime import UTC, datetime

import pytest
from django.utils import formats

from tests.admin.deliveries import make_delivery
from tests.appointments.helpers import client_with
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/notifications/delivery/"
DUE = datetime(2030, 1, 31, 18, 30, tzinfo=UTC)


def _shown(moment: datetime) -> str:
    """A date as the admin writes it (Django's DATETIME_FORMAT for en-us)."""
    return formats.date_format(moment.replace(tzinfo=None), "DATETIME_FORMAT")


@pytest.fixture
def delivery(application):
    return make_delivery(AppointmentFactory(application=application), due_at=DUE)


def _delivery_log(client, user) -> str:
    client.force_login(user)
    response = client.get(DELIVERIES)
    assert response.status_code == 200
    return response.content.decode()


# As typed, and as console.js sends it (URL-encoded).
@pytest.mark.parametrize("cookie", ["Europe/Athens", "Europe%2FAthens"])
def test_dates_follow_the_browsers_zone_and_the_page_names_it(
    client, make_supervisor, application, delivery, cookie
):
    client.cookies["console_tz"] = cookie
    html = _delivery_log(client, make_supervisor(application))
    assert _shown(datetime(2030, 1, 31, 20, 30)) in html  # UTC+2 in winter
    assert _shown(datetime(2030, 1, 31, 18, 30)) not in html
    assert '<div id="console-time-zone"' in html and "Times in <strong>Europe/Athens</strong>" in html


def test_without_a_zone_dates_are_in_the_servers_zone_and_it_is_named(
    client, make_supervisor, application, delivery
):
    html = _delivery_log(client, make_supervisor(application))
    assert _shown(datetime(2030, 1, 31, 18, 30)) in html
    assert "Times in <strong>UTC</strong>" in html


@pytest.mark.parametrize("value", ["Mars/Olympus", "../../etc/passwd", "", "Europe/Athens\x00"])
def test_a_zone_the_server_does_not_know_is_ignored(client, make_supervisor, application, delivery, value):
    client.cookies["console_tz"] = value
    html = _delivery_log(client, make_supervisor(application))
    assert _shown(datetime(2030, 1, 31, 18, 30)) in html
    assert "Times in <strong>UTC</strong>" in html


def test_the_login_page_names_no_zone(client):
    client.cookies["console_tz"] = "Europe/Athens"
    assert "console-time-zone" not in client.get("/admin/login/").content.decode()


def test_the_api_keeps_utc_whatever_the_cookie(application):
    AppointmentFactory(application=application, organizer_id="agent-1", start=DUE)
    api = client_with("ROLE_AGENT", application=application, user_id="agent-1")
    api.cookies["console_tz"] = "Europe/Athens"
    response = api.get("/api/appointments/")
    assert response.status_code == 200
    assert "2030-01-31T18:30:00Z" in response.content.decode()
