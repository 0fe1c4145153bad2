"""Every documented path answers at both spellings of its trailing slash, never with a redirect."""

import pytest
from django.urls import resolve

from appointments import apis, participant_apis
from tests.appointments.helpers import client_with, schedule_body

ID = "f46f165d-383a-4432-9a3e-9c805a152e0c"

# The collection itself, /api/appointments/, is below: its slash-less spelling needs config/urls.py.
DOCUMENTED = [
    (f"/api/appointments/{ID}", apis.AppointmentDetailApi),
    (f"/api/appointments/{ID}/end", apis.AppointmentEndApi),
    (f"/api/appointments/{ID}/participants/p-1", participant_apis.ParticipantDetailApi),
    (f"/api/appointments/activate/{ID}", apis.AppointmentActivateApi),
    ("/api/appointments/basic", apis.AppointmentBasicApi),
    ("/api/appointments/basic/otp", apis.CustomerOTPApi),
    ("/api/appointments/count", apis.AppointmentCountApi),
    ("/api/appointments/eligible/", apis.AppointmentEligibleApi),
    ("/api/appointments/overlap/count", apis.AppointmentOverlapCountApi),
    ("/api/appointments/participants/agents/", participant_apis.ParticipantAgentsApi),
    ("/api/appointments/participants/customers/", participant_apis.ParticipantCustomersApi),
    ("/api/appointments/reassign/", apis.AppointmentReassignApi),
    ("/api/appointments/reschedule/", apis.AppointmentRescheduleApi),
]


def other_spelling(path: str) -> str:
    return path[:-1] if path.endswith("/") else f"{path}/"


@pytest.mark.parametrize(("path", "view_class"), DOCUMENTED)
def test_both_spellings_reach_the_operation(path, view_class):
    assert resolve(path).func.view_class is view_class
    assert issubclass(resolve(other_spelling(path)).func.view_class, view_class)


def test_literal_segments_are_not_read_as_ids():
    for literal in ["count", "eligible", "basic", "reassign", "reschedule"]:
        assert resolve(f"/api/appointments/{literal}").func.view_class is not apis.AppointmentDetailApi


@pytest.mark.parametrize("path", ["/api/appointments/reschedule", "/api/appointments/reschedule/"])
def test_no_spelling_is_redirected(appointment, path):
    client = client_with("ROLE_AGENT", application=appointment.application)
    body = {"id": str(appointment.pk), "start": "2030-02-01T10:00:00Z", "duration": "PT1H", "timezone": "UTC"}

    assert client.put(path, body, format="json").status_code == 200


@pytest.mark.urls("tests.appointments.urls_with_collection_without_slash")
def test_the_collection_without_its_slash_once_config_routes_it(application):
    client = client_with("ROLE_AGENT", application=application)
    assert resolve("/api/appointments/").func.view_class is apis.AppointmentCollectionApi

    assert client.post("/api/appointments", schedule_body(application), format="json").status_code == 200
    assert client.get("/api/appointments").status_code == 200
