from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from appointments.models import InteractionState
from tests.appointments.helpers import DOC_OVERLAP_QUERY, later
from tests.factories import AppointmentFactory

URL = "/api/appointments/overlap/count"


def make(application, minutes, duration=30, **kwargs):
    return AppointmentFactory(
        application=application, start=later(minutes), duration=timedelta(minutes=duration), **kwargs
    )


def overlap(application, start_minutes=0, duration="PT30M", **params):
    query = {
        "applicationId": str(application.pk),
        "organizationId": application.organization_id,
        "start": later(start_minutes).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": duration,
    }
    query.update(params)
    return APIClient().get(URL, query)


def test_the_documents_example_url_is_accepted_without_a_token(doc_application):
    AppointmentFactory(
        application=doc_application, start=later(2).replace(year=2022), duration=timedelta(minutes=5)
    )

    response = APIClient().get(f"{URL}?{DOC_OVERLAP_QUERY}")

    assert response.status_code == 200
    assert response.json() == {"count": 1}


def test_touching_intervals_do_not_overlap(application):
    make(application, -30)  # ends exactly at the start
    make(application, 30)  # starts exactly at the end

    assert overlap(application).json() == {"count": 0}


@pytest.mark.parametrize(
    ("minutes", "duration", "expected"),
    [(-29, 30, 1), (29, 30, 1), (-60, 120, 1), (10, 5, 1), (-31, 1, 0)],
)
def test_any_intersection_overlaps(application, minutes, duration, expected):
    make(application, minutes, duration)

    assert overlap(application).json() == {"count": expected}


def test_activated_ones_count_and_completed_ones_do_not(application):
    make(application, 0, room_url="https://video.example.com/q/abc")
    make(application, 0)
    make(application, 0, interaction_state=InteractionState.COMPLETE)

    assert overlap(application).json() == {"count": 2}


def test_application_and_organization_must_name_the_same_tenant(application, other_application):
    make(other_application, 0)

    assert overlap(application, applicationId=str(other_application.pk)).json() == {"count": 0}
    assert overlap(other_application).json() == {"count": 1}


@pytest.mark.parametrize(
    ("param", "value"),
    [("start", "soon"), ("duration", "PT0S"), ("applicationId", "x"), ("duration", "P99999999D")],
)
def test_bad_parameters_are_named(application, param, value):
    response = overlap(application, **{param: value})

    assert response.status_code == 400
    assert param in response.json()["fields"]


def test_overlap_counting_is_one_query(application):
    for minutes in range(10):
        make(application, minutes)

    with CaptureQueriesContext(connection) as queries:
        response = overlap(application)

    assert response.json() == {"count": 10}
    assert len(queries) == 1


def test_an_interval_beyond_the_calendar_is_refused(application):
    response = overlap(application, start="9999-12-31T23:00:00Z", duration="PT2H")

    assert response.status_code == 400
    assert "duration" in response.json()["fields"]


def test_a_long_appointment_that_began_days_before_still_overlaps(application):
    # The search is bounded by the application's longest duration: a week here.
    make(application, -6 * 24 * 60, duration=7 * 24 * 60)
    make(application, -3 * 24 * 60, duration=60)  # over long before

    assert overlap(application).json() == {"count": 1}


def test_the_bound_is_each_applications_own_longest_appointment(application, other_application):
    # other_application's week-long appointment must not widen nor narrow this one's search.
    make(other_application, -6 * 24 * 60, duration=7 * 24 * 60)
    make(application, -90, duration=120)  # began 90 minutes before, runs into the window
    make(application, -200, duration=120)  # ended before the window

    assert overlap(application).json() == {"count": 1}


def test_an_application_without_appointments_counts_none(application, other_application):
    make(other_application, 0)

    assert overlap(application).json() == {"count": 0}
