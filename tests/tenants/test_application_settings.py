"""GET/PATCH /api/applications/settings: defaults, partial changes, validation by field, roles, the event."""

from datetime import time

import pytest

from core.errors import Conflict
from tenants.application_settings import APPLICATION_SETTINGS_CHANGED, application_settings_update
from tenants.models import Application

SETTINGS = "/api/applications/settings"

DEFAULTS = {
    "quietHours": None,
    "confirmationRequests": False,
    "smsFallbackToEmail": False,
    "shortLinks": False,
    "waitingEscalationMinutes": 3,
    "preventAgentOverlap": False,
}


@pytest.fixture
def admin(client_for):
    return client_for("ROLE_ADMIN")


def test_a_new_application_has_every_feature_off_and_escalation_at_three_minutes(admin, application):
    response = admin.get(SETTINGS)

    assert response.status_code == 200
    assert response.json() == {"applicationId": str(application.pk), **DEFAULTS}


def test_patch_changes_only_what_it_sends_and_both_slash_spellings_work(admin, application):
    response = admin.patch(
        f"{SETTINGS}/", {"quietHours": {"start": "21:00", "end": "08:00"}, "shortLinks": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "applicationId": str(application.pk),
        **DEFAULTS,
        "quietHours": {"start": "21:00", "end": "08:00"},
        "shortLinks": True,
    }
    application.refresh_from_db()
    assert (application.quiet_hours_start, application.quiet_hours_end) == (time(21), time(8))
    assert admin.get(SETTINGS).json()["quietHours"] == {"start": "21:00", "end": "08:00"}

    turned_off = admin.patch(SETTINGS, {"quietHours": None, "waitingEscalationMinutes": None}, format="json")
    assert turned_off.json()["quietHours"] is None
    assert turned_off.json()["waitingEscalationMinutes"] is None
    assert turned_off.json()["shortLinks"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quietHours": {"start": "21:00"}}, "quietHours"),
        ({"quietHours": {"start": "25:00", "end": "08:00"}}, "quietHours"),
        ({"quietHours": {"start": "08:00", "end": "08:00"}}, "quietHours"),
        ({"quietHours": "21-08"}, "quietHours"),
        ({"waitingEscalationMinutes": 0}, "waitingEscalationMinutes"),
        ({"waitingEscalationMinutes": "soon"}, "waitingEscalationMinutes"),
        ({"smsFallbackToEmail": "perhaps"}, "smsFallbackToEmail"),
        ({"preventAgentOverlap": None}, "preventAgentOverlap"),
    ],
)
def test_a_bad_value_is_a_400_naming_its_field_and_changes_nothing(admin, application, body, field):
    response = admin.patch(SETTINGS, body, format="json")

    assert response.status_code == 400, response.content
    # Nested errors are named by their path, e.g. quietHours.end.
    assert any(name == field or name.startswith(f"{field}.") for name in response.json()["fields"])
    assert admin.get(SETTINGS).json() == {"applicationId": str(application.pk), **DEFAULTS}


@pytest.mark.parametrize("role", ["ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"])
def test_only_admins_read_or_change_settings(client_for, application, role):
    client = client_for(role)

    assert client.get(SETTINGS).status_code == 403
    assert client.patch(SETTINGS, {"shortLinks": True}, format="json").status_code == 403
    application.refresh_from_db()
    assert application.short_links is False


def test_each_token_sees_its_own_application(client_for, application, other_application):
    other_admin = client_for("ROLE_ADMIN", app=other_application)

    other_admin.patch(SETTINGS, {"smsFallbackToEmail": True}, format="json")

    application.refresh_from_db()
    other_application.refresh_from_db()
    assert (application.sms_fallback_to_email, other_application.sms_fallback_to_email) == (False, True)


def test_the_event_carries_the_previous_values_and_a_refusal_rolls_back(application):
    seen = []

    def refuse_overlap(event):
        seen.append(dict(event.previous))
        if event.turned_on("prevent_agent_overlap"):
            raise Conflict("agents are double-booked", fields={"preventAgentOverlap": ["appointment 1"]})

    APPLICATION_SETTINGS_CHANGED.subscribe(refuse_overlap)
    try:
        application_settings_update(application=application, values={"short_links": True})
        with pytest.raises(Conflict):
            application_settings_update(
                application=application, values={"prevent_agent_overlap": True, "short_links": False}
            )
        # Nothing changed, nothing announced.
        application_settings_update(application=application, values={"short_links": True})
    finally:
        APPLICATION_SETTINGS_CHANGED.unsubscribe(refuse_overlap)

    assert seen == [{"short_links": False}, {"prevent_agent_overlap": False, "short_links": True}]
    stored = Application.objects.get(pk=application.pk)
    assert (stored.prevent_agent_overlap, stored.short_links) == (False, True)


def test_a_refusal_is_a_409_naming_the_setting(admin, application):
    def refuse(event):
        raise Conflict("agents are double-booked", fields={"preventAgentOverlap": ["overlaps"]})

    APPLICATION_SETTINGS_CHANGED.subscribe(refuse)
    try:
        response = admin.patch(SETTINGS, {"preventAgentOverlap": True}, format="json")
    finally:
        APPLICATION_SETTINGS_CHANGED.unsubscribe(refuse)

    assert response.status_code == 409
    assert "preventAgentOverlap" in response.json()["fields"]
