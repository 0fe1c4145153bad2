"""The appointment list's attendance: the no-show filter, the "customer waited" filter and column."""

from datetime import UTC, datetime

import pytest

from appointments.models import Appointment
from tests.admin.querycounts import assert_changelist_queries_constant
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/admin/appointments/appointment/"
MARKED = datetime(2030, 1, 31, 19, 40, tzinfo=UTC)


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


def _results(response) -> list[Appointment]:
    return list(response.context["cl"].result_list)


def test_the_no_show_filter_lists_the_no_shows_of_the_supervisors_applications(
    supervisor_client, application, other_application
):
    attended = AppointmentFactory(application=application, title="Attended")
    no_show = AppointmentFactory(application=application, title="Nobody came", no_show_at=MARKED)
    waited = AppointmentFactory(application=application, title="Waited", waiting_escalated_at=MARKED)
    AppointmentFactory(application=other_application, title="Theirs", no_show_at=MARKED)

    assert _results(supervisor_client.get(APPOINTMENTS, {"attendance": "no_show"})) == [no_show]
    assert _results(supervisor_client.get(APPOINTMENTS, {"attendance": "customer_waited"})) == [waited]
    assert set(_results(supervisor_client.get(APPOINTMENTS))) == {attended, no_show, waited}

    body = supervisor_client.get(APPOINTMENTS).content.decode()
    assert "No-show" in body and "Customer waited for an agent" in body  # the filter's choices
    assert '<td class="field-attendance">no-show</td>' in body
    assert '<td class="field-attendance">customer waited</td>' in body


def test_the_change_form_shows_when_each_mark_was_made(supervisor_client, application):
    appointment = AppointmentFactory(application=application, no_show_at=MARKED, waiting_escalated_at=MARKED)

    body = supervisor_client.get(f"{APPOINTMENTS}{appointment.pk}/change/").content.decode()

    assert "Attendance" in body and "No show at" in body and "Waiting escalated at" in body


def test_the_filtered_list_costs_the_same_whatever_its_length(supervisor_client, application):
    def add_rows(count: int) -> None:
        for _ in range(count):
            AppointmentFactory(application=application, no_show_at=MARKED)

    assert_changelist_queries_constant(supervisor_client, f"{APPOINTMENTS}?attendance=no_show", add_rows)
