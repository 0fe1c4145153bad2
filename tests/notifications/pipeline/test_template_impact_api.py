"""POST /api/notifications/templates/impact: what a template change would do to booked appointments."""

from datetime import timedelta

import pytest

from notifications.models import Delivery, NotificationTemplate
from notifications.services import template_create
from tests.notifications.pipeline.conftest import START

pytestmark = pytest.mark.usefixtures("now")

IMPACT = "/api/notifications/templates/impact"


@pytest.fixture
def booked(templates, schedule):
    return [schedule(title=f"Advice {index}") for index in range(12)]


def _state():
    """Everything the endpoint must leave as it is."""
    deliveries = sorted(
        Delivery.objects.values_list("id", "status", "due_at", "template_id", "cancel_reason"), key=str
    )
    templates = sorted(NotificationTemplate.objects.values_list("id", "period", "active", "channel"), key=str)
    return deliveries, templates


def test_a_period_change_moves_every_booked_reminder_and_saves_nothing(admin_client, templates, booked):
    reminder = templates[("REMINDER", "EMAIL")]
    before = _state()

    response = admin_client.post(IMPACT, {"id": str(reminder.pk), "period": "PT1H"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert {
        key: body[key] for key in ("appointments", "appointmentsChanged", "added", "moved", "cancelled")
    } == {
        "appointments": 12,
        "appointmentsChanged": 12,
        "added": 0,
        "moved": 12,
        "cancelled": 0,
    }
    assert body["byTypeAndChannel"] == [
        {"type": "REMINDER", "channel": "EMAIL", "added": 0, "moved": 12, "cancelled": 0}
    ]
    assert len(body["sample"]) == 10
    first_ids = sorted(str(appointment.pk) for appointment in booked)[:10]
    assert [item["appointmentId"] for item in body["sample"]] == first_ids
    assert body["sample"][0] == {
        "appointmentId": first_ids[0],
        "type": "REMINDER",
        "channel": "EMAIL",
        "recipient": "b***@example.com",
        "change": "moved",
        "oldDueAt": (START - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "newDueAt": (START - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert _state() == before


def test_a_new_template_adds_and_a_deletion_cancels(admin_client, templates, booked):
    before = _state()
    new = {
        "type": "REMINDER",
        "channel": "SMS",
        "locale": "en_US",
        "textBody": "Soon: {{title}}",
        "period": "PT5H",
    }
    added = admin_client.post(IMPACT, new, format="json").json()
    deleted = admin_client.post(
        IMPACT, {"id": str(templates[("ROOM", "SMS")].pk), "delete": True}, format="json"
    ).json()

    assert (added["added"], added["moved"], added["cancelled"]) == (12, 0, 0)
    assert added["sample"][0]["recipient"] == "+3069*****100"
    assert added["sample"][0]["oldDueAt"] is None
    assert (deleted["added"], deleted["moved"], deleted["cancelled"]) == (0, 0, 12)
    assert deleted["byTypeAndChannel"] == [
        {"type": "ROOM", "channel": "SMS", "added": 0, "moved": 0, "cancelled": 12}
    ]
    assert _state() == before


def test_deactivating_and_changing_the_channel(admin_client, templates, booked):
    room = templates[("ROOM", "EMAIL")]

    off = admin_client.post(IMPACT, {"id": str(room.pk), "active": False}, format="json").json()
    # The EMAIL ROOM template becomes a second SMS ROOM template: rows move from one channel to the other.
    moved_channel = admin_client.post(
        IMPACT,
        {"id": str(room.pk), "channel": "SMS", "subject": "", "htmlBody": "", "period": "PT20M"},
        format="json",
    ).json()

    assert off["cancelled"] == 12
    assert moved_channel["byTypeAndChannel"] == [
        {"type": "ROOM", "channel": "EMAIL", "added": 0, "moved": 0, "cancelled": 12},
        {"type": "ROOM", "channel": "SMS", "added": 12, "moved": 0, "cancelled": 0},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "REMINDER", "channel": "EMAIL", "subject": "s", "textBody": "t"}, "locale"),
        ({"channel": "SMS", "locale": "en_US", "textBody": "t"}, "type"),
        ({"type": "REMINDER", "channel": "SMS", "locale": "en_US", "textBody": "t"}, "period"),
        (
            {
                "type": "REMINDER",
                "channel": "SMS",
                "locale": "en_US",
                "textBody": "{{nope}}",
                "period": "P1D",
            },
            "textBody",
        ),
        ({"delete": True}, "id"),
        ({"id": "not-a-uuid"}, "id"),
        ({"id": "TEMPLATE", "period": "P0D"}, "period"),
        ({"id": "TEMPLATE", "period": None}, "period"),
        ({"id": "TEMPLATE", "channel": "FAX"}, "channel"),
        ({"id": "TEMPLATE", "delete": "perhaps"}, "delete"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(admin_client, templates, body, field):
    body = {
        key: str(templates[("REMINDER", "SMS")].pk) if value == "TEMPLATE" else value
        for key, value in body.items()
    }

    response = admin_client.post(IMPACT, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_a_duplicate_is_409_and_another_applications_template_404(admin_client, templates, other_application):
    theirs = template_create(
        application=other_application,
        type="REMINDER",
        channel="SMS",
        locale="en_US",
        text_body="x",
        period=timedelta(hours=1),
    )
    duplicate = {"type": "REMINDER", "channel": "SMS", "locale": "en_US", "textBody": "x", "period": "PT2H"}

    assert admin_client.post(IMPACT, duplicate, format="json").status_code == 409
    assert (
        admin_client.post(IMPACT, {"id": str(theirs.pk), "period": "PT3H"}, format="json").status_code == 404
    )
    assert (
        admin_client.post(
            IMPACT, {"applicationId": str(other_application.pk), **duplicate, "period": "PT9H"}, format="json"
        ).status_code
        == 404
    )


def test_only_admins(client_for, api_client, templates):
    body = {"id": str(templates[("REMINDER", "SMS")].pk), "period": "PT3H"}
    for role in ("ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"):
        assert client_for(role).post(IMPACT, body, format="json").status_code == 403
    assert api_client.post(IMPACT, body, format="json").status_code == 401
    assert client_for("ROLE_ADMIN").post(IMPACT.rstrip("/") + "/", body, format="json").status_code == 200


def test_the_preview_reads_in_a_constant_number_of_queries(
    admin_client, templates, schedule, django_assert_max_num_queries
):
    for index in range(15):
        schedule(title=f"Advice {index}")
    body = {"id": str(templates[("REMINDER", "SMS")].pk), "period": "PT3H"}

    # Checking the template as a save would (constraints, in savepoints), then three reads a batch.
    with django_assert_max_num_queries(18):
        response = admin_client.post(IMPACT, body, format="json")

    assert response.json()["moved"] == 15
