"""Every date-taking operation at the first and last instants of the calendar, with maximal lengths.

The API reads any instant of the years 1 to 9999 (UTC). A query window that would end past
the calendar is a 400 naming its length (`duration`, `timeFrame`); an appointment must lie
between 0001-01-02T00:00:00Z and 9999-12-31T00:00:00Z, so that its wall-clock time exists in
every zone, else a 400 naming `start`. Nothing here is ever a 500, on SQLite or PostgreSQL.
"""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from tests.appointments.helpers import client_with, schedule_body
from tests.factories import AppointmentFactory

FIRST = "0001-01-01T00:00:00Z"
LAST = "9999-12-31T23:59:59Z"
LONGEST_APPOINTMENT = "P7D"  # APPOINTMENT_MAX_DURATION_HOURS' default
LONGEST_FRAME = "P3660D"  # appointments.serializers.LONGEST_TIME_FRAME
EARLIEST_APPOINTMENT = "0001-01-02T00:00:00Z"
LATEST_END = "9999-12-31T00:00:00Z"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def stored(application, start: str, duration: timedelta, **fields):
    """An appointment as data imported around the services could hold it."""
    return AppointmentFactory(application=application, start=at(start), duration=duration, **fields)


def staff(application):
    return client_with("ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", application=application)


def public_query(application, **params) -> dict:
    return {"applicationId": str(application.pk), "organizationId": application.organization_id, **params}


# --- overlap count --------------------------------------------------------------------------


@pytest.fixture
def edge_appointments(application):
    """One at the calendar's first instant, one a day later lasting a week, one a week long in 2030."""
    return [
        stored(application, FIRST, timedelta(hours=1)),
        stored(application, EARLIEST_APPOINTMENT, timedelta(days=7)),
        stored(application, "2030-01-31T19:00:00Z", timedelta(days=7)),
    ]


@pytest.mark.parametrize(("duration", "expected"), [("PT1H", 1), ("P2D", 2), (LONGEST_FRAME, 2)])
def test_overlap_from_the_first_instant_counts_what_overlaps(edge_appointments, duration, expected):
    # The search looks back by the application's longest appointment (a week), which would
    # end before the year 1: it starts at the calendar's first instant instead.
    query = public_query(edge_appointments[0].application, start=FIRST, duration=duration)

    response = APIClient().get("/api/appointments/overlap/count", query)

    assert response.status_code == 200, response.content
    assert response.json() == {"count": expected}


def test_overlap_within_the_first_week_still_sees_the_first_appointments(edge_appointments):
    query = public_query(edge_appointments[0].application, start="0001-01-01T00:30:00Z", duration="PT1M")

    response = APIClient().get("/api/appointments/overlap/count", query)

    assert response.json() == {"count": 1}


def test_overlap_up_to_the_last_day_is_counted(application):
    stored(application, "9999-12-30T00:00:00Z", timedelta(days=1))

    query = public_query(application, start="9999-12-30T12:00:00Z", duration="PT11H59M59S")
    response = APIClient().get("/api/appointments/overlap/count", query)

    assert response.json() == {"count": 1}


@pytest.mark.parametrize("duration", ["PT1S", LONGEST_FRAME])
def test_an_overlap_window_past_the_last_instant_is_named(application, duration):
    query = public_query(application, start=LAST, duration=duration)

    response = APIClient().get("/api/appointments/overlap/count", query)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["duration"]


# --- count ------------------------------------------------------------------------------------


def test_count_from_the_first_instant_over_the_longest_frame(edge_appointments):
    query = public_query(edge_appointments[0].application, start=FIRST, timeFrame=LONGEST_FRAME)

    response = APIClient().get("/api/appointments/count", query)

    assert response.status_code == 200, response.content
    assert [(row["start"], row["end"], row["count"]) for row in response.json()] == [
        ("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z", 1),
        ("0001-01-02T00:00:00Z", "0001-01-09T00:00:00Z", 1),
    ]


@pytest.mark.parametrize("time_frame", ["PT1S", LONGEST_FRAME])
def test_a_count_frame_past_the_last_instant_is_named(application, time_frame):
    query = public_query(application, start=LAST, timeFrame=time_frame)

    response = APIClient().get("/api/appointments/count", query)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["timeFrame"]


# --- schedule and reschedule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        (FIRST, LONGEST_APPOINTMENT),
        (FIRST, "PT1S"),
        ("0001-01-01T23:59:59.999999Z", "PT1S"),
        (LAST, LONGEST_APPOINTMENT),
        (LAST, "PT1S"),
        ("9999-12-30T23:59:59Z", "PT2S"),
        ("9999-12-24T00:00:01Z", LONGEST_APPOINTMENT),
    ],
)
def test_scheduling_outside_the_appointment_range_names_start(application, start, duration):
    body = schedule_body(application, start=start, duration=duration, timezone="America/New_York")

    response = staff(application).post("/api/appointments/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["start"]
    assert "0001-01-02T00:00:00Z" in response.json()["fields"]["start"][0]


@pytest.mark.parametrize(
    ("start", "timezone", "end"),
    [
        (EARLIEST_APPOINTMENT, "America/New_York", "0001-01-09T00:00:00Z"),
        (EARLIEST_APPOINTMENT, "Asia/Manila", "0001-01-09T00:00:00Z"),
        ("9999-12-24T00:00:00Z", "Pacific/Kiritimati", LATEST_END),
        ("9999-12-24T00:00:00Z", "America/Metlakatla", LATEST_END),
    ],
)
def test_the_first_and_last_appointments_schedule_and_read_back(application, start, timezone, end):
    body = schedule_body(application, start=start, duration=LONGEST_APPOINTMENT, timezone=timezone)
    client = staff(application)

    response = client.post("/api/appointments/", body, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["start"], response.json()["end"]) == (start, end)
    assert client.get(f"/api/appointments/{response.json()['id']}").json()["end"] == end


@pytest.mark.parametrize(
    ("start", "accepted"),
    [
        (FIRST, False),
        (EARLIEST_APPOINTMENT, True),
        ("9999-12-24T00:00:00Z", True),
        ("9999-12-24T00:00:00.000001Z", False),
        (LAST, False),
    ],
)
def test_rescheduling_keeps_to_the_same_range(appointment, start, accepted):
    body = {"id": str(appointment.pk), "start": start, "duration": LONGEST_APPOINTMENT, "timezone": "UTC"}

    response = staff(appointment.application).put("/api/appointments/reschedule/", body, format="json")

    if accepted:
        assert response.status_code == 200, response.content
        assert response.json()["start"] == start.replace(".000001", "")
    else:
        assert response.status_code == 400, response.content
        assert list(response.json()["fields"]) == ["start"]
        appointment.refresh_from_db()
        assert appointment.version == 1


# --- list and eligible ----------------------------------------------------------------------


def test_the_list_over_the_whole_calendar(edge_appointments):
    application = edge_appointments[0].application
    client = client_with("ROLE_SUPERVISOR", application=application)

    response = client.get("/api/appointments/", {"range": f"{FIRST},{LAST}", "pageSize": 100})

    assert response.status_code == 200, response.content
    assert [item["start"] for item in response.json()["content"]] == [
        "0001-01-01T00:00:00Z",
        "0001-01-02T00:00:00Z",
        "2030-01-31T19:00:00Z",
    ]


@pytest.mark.parametrize("bounds", [f"{FIRST},{FIRST}", f"{LAST},{FIRST}"])
def test_an_empty_or_reversed_list_range_is_named(application, bounds):
    response = staff(application).get("/api/appointments/", {"range": bounds})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["range"]


def test_eligible_over_the_longest_frame(application):
    soon = datetime.now(UTC) + timedelta(days=3000)
    stored(application, soon.strftime("%Y-%m-%dT%H:%M:%SZ"), timedelta(days=7))

    response = client_with("ROLE_CLIENT_SERVICE", application=application).get(
        "/api/appointments/eligible/", {"timeFrame": LONGEST_FRAME}
    )

    assert response.status_code == 200, response.content
    assert len(response.json()) == 1


def test_an_eligible_frame_beyond_the_longest_is_named(application):
    response = client_with("ROLE_CLIENT_SERVICE", application=application).get(
        "/api/appointments/eligible/", {"timeFrame": "P3661D"}
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["timeFrame"]
