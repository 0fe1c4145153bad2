"""The dashboard on the console's index: one tenant's figures, bounded queries, links that hold."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.contrib.auth import get_user_model

from tests.admin.conftest import PASSWORD
from tests.admin.dashboard_data import NOW, seed
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def seeded(application, other_application):
    return seed(application, other_application)


@pytest.fixture
def athens_client(client):
    client.cookies["console_tz"] = "Europe%2FAthens"
    return client


@pytest.fixture
def supervisor_client(athens_client, make_supervisor, application, seeded):
    athens_client.force_login(make_supervisor(application))
    return athens_client


def _dashboard(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    return response, response.context["dashboard"]


def _column(chart, label):
    return next(column for column in chart.columns if column.source.label == label)


def _segment(column, key):
    return next(segment for segment in column.segments if segment.series.key == key)


def _rows(client, href) -> int:
    response = client.get(href)
    assert response.status_code == 200, f"{href} answered {response.status_code}"
    return response.context["cl"].result_count


def test_a_supervisor_sees_the_figures_of_their_applications(supervisor_client):
    response, dashboard = _dashboard(supervisor_client)

    assert dashboard.applications == ["Acme Support"]
    today = _column(dashboard.appointments, "Wed 30")
    assert {s.series.key: s.value.amount for s in today.segments} == {
        "scheduled": 2,
        "completed": 2,
        "no-show": 1,
    }
    assert today.total_text == "5"
    sms = next(chart for chart in dashboard.deliveries if chart.chart_id == "dashboard-deliveries-sms")
    assert _segment(_column(sms, "Wed 30"), "FAILED").value.amount == 2
    assert [(r.line.channel, r.line.rows) for r in dashboard.reasons] == [("SMS", 2), ("EMAIL", 1)]
    assert _column(dashboard.no_shows, "28 Jan").total_text == "33%"
    assert _column(dashboard.no_shows, "21 Jan").total_text == "50%"
    assert _column(dashboard.no_shows, "7 Jan").total_text == "–"
    assert _column(dashboard.confirmations, "28 Jan").total_text == "50%"
    assert [(tile.label, tile.value) for tile in dashboard.now] == [
        ("Customers waiting", "1"),
        ("Starting within the hour", "1"),
        ("Notifications due, not sent", "1"),
        ("Oldest due notification", "15 min"),
    ]
    body = response.content.decode()
    assert "Globex" not in body and "30003" not in body
    # Django's list of what they manage is still there, below.
    assert 'id="content-main"' in body and body.index('id="dashboard"') < body.index('id="content-main"')


def test_every_link_leads_to_a_list_of_the_rows_it_counts(supervisor_client):
    _response, dashboard = _dashboard(supervisor_client)

    today = _column(dashboard.appointments, "Wed 30")
    for segment in today.segments:
        assert _rows(supervisor_client, segment.value.href) == segment.value.amount, segment.description
    assert _rows(supervisor_client, today.source.href) == 5
    assert _rows(supervisor_client, _column(dashboard.appointments, "Thu 31").source.href) == 1
    for chart in dashboard.deliveries:
        for column in chart.columns:
            for segment in column.segments:
                assert _rows(supervisor_client, segment.value.href) == segment.value.amount, (
                    segment.description
                )
    assert [_rows(supervisor_client, r.href) for r in dashboard.reasons] == [2, 1]
    this_week = _column(dashboard.no_shows, "28 Jan")
    assert _rows(supervisor_client, this_week.source.href) == 1
    assert _rows(supervisor_client, _column(dashboard.confirmations, "28 Jan").source.href) == 2
    waiting, starting, backlog, oldest = dashboard.now
    assert [_rows(supervisor_client, tile.href) for tile in (waiting, starting, backlog)] == [1, 1, 1]
    assert supervisor_client.get(oldest.href).status_code == 200


def test_the_page_writes_charts_with_their_values_as_text(supervisor_client):
    body = supervisor_client.get("/admin/").content.decode()

    assert '<svg class="bar-chart"' in body
    assert '<title id="dashboard-appointments-title">Appointments per day, next 14 days</title>' in body
    assert (
        '<desc id="dashboard-appointments-desc">Appointments starting on each day from today, 6 in all, '
        "stacked by state: scheduled, activated, completed, no-show.</desc>"
    ) in body
    labels = [unescape(label) for label in re.findall(r'aria-label="([^"]+)"', body)]
    assert "Wednesday 30 January 2030: 2 scheduled" in labels
    assert "Wednesday 30 January 2030: 2 failed" in labels
    assert "Week of Monday 28 January 2030: 33% no-show rate" in labels


def test_a_superuser_sees_every_application(athens_client, superuser, seeded):
    athens_client.force_login(superuser)
    _response, dashboard = _dashboard(athens_client)

    assert dashboard.applications == ["Acme Support", "Globex Care"]
    assert dashboard.now[0].value == "2"
    assert _segment(_column(dashboard.appointments, "Wed 30"), "no-show").value.amount == 2


def test_a_staff_user_without_applications_sees_no_figures(athens_client, seeded):
    user = get_user_model().objects.create_user("nobody", password=PASSWORD, is_staff=True)
    athens_client.force_login(user)
    response = athens_client.get("/admin/")
    assert response.context["dashboard"] is None
    assert "You supervise no application yet" in response.content.decode()


def test_the_page_costs_the_same_queries_however_many_rows(
    supervisor_client, application, django_assert_max_num_queries
):
    supervisor_client.get("/admin/")  # process caches (content types, ...) are not the page's
    # 5 of the admin (session, user, permissions, memberships), 10 of the dashboard, 1 recent actions.
    with django_assert_max_num_queries(16) as before:
        supervisor_client.get("/admin/")
    for hour in range(30):
        appointment = AppointmentFactory(application=application, start=NOW + timedelta(hours=hour + 1))
        CustomerFactory(appointment=appointment, state="WAITING", state_changed_at=NOW)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = supervisor_client.get("/admin/")
    assert response.context["dashboard"].now[0].value == "31"
