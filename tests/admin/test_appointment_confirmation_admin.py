"""The appointment change list shows the customers' answers and filters by them, in bounded queries."""

import pytest

from appointments.admin_confirmations import confirmation_summary
from participants.confirmations import participant_confirmation_record
from tests.admin.querycounts import assert_changelist_queries_constant
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/admin/appointments/appointment/"


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


def booked(application, title: str, *answers: str):
    """An appointment whose customers answered `answers` ("" for no answer)."""
    appointment = AppointmentFactory(application=application, title=title)
    for answer in answers:
        customer = CustomerFactory(appointment=appointment)
        if answer:
            participant_confirmation_record(participant=customer, answer=answer, channel="SMS")
    return appointment


@pytest.fixture
def answered(application, other_application):
    return {
        "yes": booked(application, "Yes", "CONFIRMED"),
        "no": booked(application, "No", "DECLINED"),
        "silent": booked(application, "Silent", ""),
        "mixed": booked(application, "Mixed", "CONFIRMED", ""),
        "theirs": booked(other_application, "Theirs", "CONFIRMED"),
    }


def titles(response) -> set[str]:
    return {appointment.title for appointment in response.context["cl"].result_list}


def test_the_column_shows_the_customers_answers(supervisor_client, answered):
    response = supervisor_client.get(APPOINTMENTS)

    rows = {a.title: a for a in response.context["cl"].result_list}
    admin = response.context["cl"].model_admin
    assert {title: admin.confirmation(row) for title, row in rows.items()} == {
        "Yes": "confirmed",
        "No": "declined",
        "Silent": "no answer",
        "Mixed": "1 confirmed, 1 no answer",
    }
    assert "customer confirmation" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("confirmed", {"Yes", "Mixed"}), ("declined", {"No"}), ("none", {"Silent"})],
)
def test_the_filter(supervisor_client, answered, value, expected):
    response = supervisor_client.get(APPOINTMENTS, {"confirmation": value})

    assert titles(response) == expected


def test_the_summary_in_words():
    assert confirmation_summary(customers=0, confirmed=0, declined=0) == "—"
    assert confirmation_summary(customers=2, confirmed=2, declined=0) == "confirmed"
    assert (
        confirmation_summary(customers=3, confirmed=1, declined=1) == "1 confirmed, 1 declined, 1 no answer"
    )


@pytest.mark.parametrize(
    ("query", "answers"),
    [
        ("", ("CONFIRMED", "")),
        ("?confirmation=confirmed", ("CONFIRMED", "")),
        ("?confirmation=none", ("", "")),
    ],
)
def test_the_list_costs_the_same_for_1_and_50_appointments(supervisor_client, application, query, answers):
    def add_rows(count: int) -> None:
        for n in range(count):
            booked(application, f"Row {n}", *answers)

    queries = assert_changelist_queries_constant(supervisor_client, APPOINTMENTS + query, add_rows)
    assert queries <= 12


def test_the_page_reads_its_rows_in_bounded_queries(
    supervisor_client, answered, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = supervisor_client.get(APPOINTMENTS)
    assert response.status_code == 200
