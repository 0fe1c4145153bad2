from datetime import timedelta

import pytest

from tests.appointments.helpers import client_with, later
from tests.factories import AppointmentFactory, CustomerFactory


def make(application, organizer="agent-1", minutes=0, duration=30, title="T"):
    return AppointmentFactory(
        application=application,
        organizer_id=organizer,
        start=later(minutes),
        duration=timedelta(minutes=duration),
        title=title,
    )


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["content"]]


def test_agents_see_only_what_they_organize_and_organizer_id_is_ignored(application):
    mine = make(application, "agent-1")
    make(application, "agent-2")
    client = client_with("ROLE_AGENT", application=application, user_id="agent-1")

    response = client.get("/api/appointments/", {"organizerId": "agent-2"})

    assert response.status_code == 200
    assert ids(response) == [str(mine.pk)]


def test_client_services_see_only_what_they_organize(application):
    mine = make(application, "svc")
    make(application, "agent-2")
    client = client_with("ROLE_CLIENT_SERVICE", application=application, user_id="svc")

    assert ids(client.get("/api/appointments/")) == [str(mine.pk)]


def test_supervisors_see_the_application_and_filter_by_organizers(application, other_application):
    first = make(application, "agent-1", minutes=0)
    second = make(application, "agent-2", minutes=10)
    third = make(application, "agent-3", minutes=20)
    make(other_application, "agent-1")
    client = client_with("ROLE_SUPERVISOR", application=application, user_id="boss")

    everything = client.get("/api/appointments/")
    comma = client.get("/api/appointments/", {"organizerId": "agent-1,agent-3"})
    repeated = client.get("/api/appointments/?organizerId=agent-2&organizerId=agent-3")

    assert ids(everything) == [str(first.pk), str(second.pk), str(third.pk)]
    assert ids(comma) == [str(first.pk), str(third.pk)]
    assert ids(repeated) == [str(second.pk), str(third.pk)]


def test_durations_filter_by_a_comma_separated_iso_list(application):
    five = make(application, minutes=0, duration=5)
    make(application, minutes=1, duration=30)
    hour = make(application, minutes=2, duration=60)
    client = client_with("ROLE_AGENT", application=application)

    response = client.get("/api/appointments/", {"duration": '"PT5M",PT1H'})

    assert ids(response) == [str(five.pk), str(hour.pk)]


def test_range_keeps_appointments_starting_within_it(application):
    make(application, minutes=-1)
    inside = make(application, minutes=0)
    make(application, minutes=60)
    client = client_with("ROLE_AGENT", application=application)

    response = client.get("/api/appointments/", {"range": '"2030-01-31T19:00:00.0Z","2030-01-31T20:00:00Z"'})

    assert ids(response) == [str(inside.pk)]


@pytest.mark.parametrize(
    ("sort_field", "sort_order", "expected"),
    [
        ("start", "asc", ["a", "b", "c"]),
        ("start", "desc", ["c", "b", "a"]),
        ("title", "asc", ["a", "c", "b"]),
        ("duration", "desc", ["b", "a", "c"]),
        ("end", "asc", ["c", "a", "b"]),
    ],
)
def test_sorting(application, sort_field, sort_order, expected):
    rows = {
        "a": make(application, minutes=0, duration=30, title="Alpha"),
        "b": make(application, minutes=10, duration=60, title="Zulu"),
        "c": make(application, minutes=20, duration=5, title="Mike"),
    }
    names = {str(row.pk): name for name, row in rows.items()}
    client = client_with("ROLE_AGENT", application=application)

    response = client.get("/api/appointments/", {"sortField": sort_field, "sortOrder": sort_order})

    assert [names[item] for item in ids(response)] == expected
    assert (response.json()["sortField"], response.json()["sortOrder"]) == (sort_field, sort_order)


def test_paging_is_one_based_and_reports_totals(application):
    rows = [make(application, minutes=i) for i in range(5)]
    client = client_with("ROLE_AGENT", application=application)

    page = client.get("/api/appointments/", {"pageSize": 2, "pageNumber": 2}).json()
    beyond = client.get("/api/appointments/", {"pageSize": 2, "pageNumber": 4}).json()
    default = client.get("/api/appointments/").json()

    assert [item["id"] for item in page["content"]] == [str(rows[2].pk), str(rows[3].pk)]
    assert {k: page[k] for k in ("pageCount", "pageNumber", "pageSize", "total")} == {
        "pageCount": 3,
        "pageNumber": 2,
        "pageSize": 2,
        "total": 5,
    }
    assert beyond["content"] == []
    assert (default["pageSize"], default["pageNumber"], default["sortField"], default["sortOrder"]) == (
        25,
        1,
        "start",
        "asc",
    )


def test_list_items_are_the_documents_appointment_shape(application):
    appointment = make(application)
    customer = CustomerFactory(appointment=appointment)
    client = client_with("ROLE_AGENT", application=application)

    item = client.get("/api/appointments/").json()["content"][0]

    assert set(item) == {
        "applicationId",
        "duration",
        "end",
        "id",
        "interaction",
        "locale",
        "metadata",
        "notes",
        "notificationHeaders",
        "notificationsActive",
        "organizer",
        "participantIds",
        "start",
        "timezone",
        "title",
    }
    assert item["participantIds"] == [
        {"id": "agent-1", "state": "active", "type": "AGENT"},
        {"id": customer.participant_id, "state": "active", "type": "CUSTOMER"},
    ]


def test_no_match_is_not_found(application):
    make(application, "agent-2")
    client = client_with("ROLE_AGENT", application=application)

    response = client.get("/api/appointments/")

    assert response.status_code == 404
    assert response.json()["error"] == "StatusNotFound"


def test_another_applications_id_is_not_found(application, other_application):
    make(application)
    client = client_with("ROLE_AGENT", application=application)

    assert client.get("/api/appointments/", {"applicationId": str(other_application.pk)}).status_code == 404
    assert client.get("/api/appointments/", {"applicationId": str(application.pk)}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": 101}, "pageSize"),
        ({"pageSize": 0}, "pageSize"),
        ({"pageNumber": 0}, "pageNumber"),
        ({"sortField": "organizer"}, "sortField"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"duration": "PT5M,soon"}, "duration"),
        ({"range": "2030-01-31T19:00:00Z"}, "range"),
        ({"range": "2030-01-31T20:00:00Z,2030-01-31T19:00:00Z"}, "range"),
        ({"organizerId": ",".join(f"a{i}" for i in range(101))}, "organizerId"),
    ],
)
def test_bad_parameters_are_named(application, params, field):
    make(application)
    client = client_with("ROLE_AGENT", application=application)

    response = client.get("/api/appointments/", params)

    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize(("stored", "page_size"), [(30, 1), (30, 25), (120, 25), (120, 100)])
def test_a_page_costs_the_same_queries_whatever_its_size_or_the_datas(
    application, django_assert_max_num_queries, stored, page_size
):
    for minutes in range(stored):
        appointment = make(application, f"agent-{minutes % 3}", minutes=minutes)
        CustomerFactory(appointment=appointment)
    client = client_with("ROLE_SUPERVISOR", application=application, user_id="boss")
    client.get("/api/appointments/", {"pageSize": 1})  # this process now knows the token's application

    # The page, its participants, the count.
    with django_assert_max_num_queries(3):
        response = client.get("/api/appointments/", {"pageSize": page_size})

    assert len(response.json()["content"]) == page_size
    assert response.json()["total"] == stored
    assert all(len(item["participantIds"]) == 2 for item in response.json()["content"])


def test_a_first_page_that_holds_every_match_is_not_counted_again(application, django_assert_num_queries):
    for minutes in range(3):
        make(application, "agent-1", minutes=minutes)
    client = client_with("ROLE_AGENT", application=application, user_id="agent-1")
    client.get("/api/appointments/")

    with django_assert_num_queries(2):  # the page and its participants
        response = client.get("/api/appointments/", {"pageSize": 25})

    assert response.json()["total"] == 3
    assert response.json()["pageCount"] == 1


def test_a_full_first_page_is_counted(application):
    for minutes in range(5):
        make(application, "agent-1", minutes=minutes)
    client = client_with("ROLE_AGENT", application=application, user_id="agent-1")

    body = client.get("/api/appointments/", {"pageSize": 5}).json()

    assert (body["total"], body["pageCount"], len(body["content"])) == (5, 1, 5)
    assert client.get("/api/appointments/", {"pageSize": 2}).json()["pageCount"] == 3
