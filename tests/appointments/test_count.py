from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.appointments.helpers import DOC_COUNT_QUERY, client_with, later
from tests.factories import AppointmentFactory

URL = "/api/appointments/count"


def make(application, minutes, duration=30, timezone="Europe/Berlin"):
    return AppointmentFactory(
        application=application, start=later(minutes), duration=timedelta(minutes=duration), timezone=timezone
    )


def count(application, **params):
    query = {
        "applicationId": str(application.pk),
        "organizationId": application.organization_id,
        "start": "2030-01-31T19:00:00Z",
        "timeFrame": "PT2H",
    }
    query.update(params)
    return APIClient().get(URL, query)


def test_the_documents_example_url_is_accepted_without_a_token(doc_application):
    AppointmentFactory(
        application=doc_application, start=later(0).replace(year=2022), duration=timedelta(minutes=5)
    )

    response = APIClient().get(f"{URL}?{DOC_COUNT_QUERY}")

    assert response.status_code == 200
    assert response.json() == [
        {
            "count": 1,
            "duration": "PT5M",
            "end": "2022-01-31T19:05:00Z",
            "start": "2022-01-31T19:00:00Z",
            "timezone": "Europe/Berlin",
        }
    ]


def test_groups_by_slot_ordered_by_start_within_the_half_open_frame(application):
    make(application, 60)
    make(application, 0)
    make(application, 0)
    make(application, 0, duration=60)
    make(application, 0, timezone="UTC")
    make(application, -1)
    make(application, 120)  # start + timeFrame itself lies outside

    response = count(application)

    assert [(row["start"], row["duration"], row["timezone"], row["count"]) for row in response.json()] == [
        ("2030-01-31T19:00:00Z", "PT30M", "Europe/Berlin", 2),
        ("2030-01-31T19:00:00Z", "PT30M", "UTC", 1),
        ("2030-01-31T19:00:00Z", "PT1H", "Europe/Berlin", 1),
        ("2030-01-31T20:00:00Z", "PT30M", "Europe/Berlin", 1),
    ]
    assert response.json()[2]["end"] == "2030-01-31T20:00:00Z"


def test_application_and_organization_must_name_the_same_tenant(application, other_application):
    make(application, 0)
    make(other_application, 0)

    mixed = count(application, organizationId=other_application.organization_id)
    other = count(other_application)

    assert mixed.status_code == 200
    assert mixed.json() == []
    assert [row["count"] for row in other.json()] == [1]


@pytest.mark.parametrize("missing", ["applicationId", "organizationId", "start", "timeFrame"])
def test_each_missing_parameter_is_named(application, missing):
    query = {
        "applicationId": str(application.pk),
        "organizationId": "org",
        "start": "2030-01-31T19:00:00Z",
        "timeFrame": "PT1H",
    }
    del query[missing]

    response = APIClient().get(URL, query)

    assert response.status_code == 400
    assert missing in response.json()["fields"]


def test_a_token_is_neither_needed_nor_harmful(application):
    make(application, 0)

    response = client_with("ROLE_ADMIN", application=application).get(
        URL,
        {
            "applicationId": str(application.pk),
            "organizationId": application.organization_id,
            "start": "2030-01-31T19:00:00Z",
            "timeFrame": "PT1H",
        },
    )

    assert response.status_code == 200
    assert response.json()[0]["count"] == 1


def test_counting_is_one_query(application):
    for minutes in range(10):
        make(application, minutes)

    with CaptureQueriesContext(connection) as queries:
        response = count(application)

    assert response.status_code == 200
    assert len(queries) == 1


def test_a_frame_beyond_the_calendar_is_refused(application):
    response = count(application, start="9999-12-31T00:00:00Z", timeFrame="P2D")

    assert response.status_code == 400
    assert "timeFrame" in response.json()["fields"]
