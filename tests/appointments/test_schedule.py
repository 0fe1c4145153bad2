import json
from datetime import UTC, datetime, timedelta

import pytest

from appointments.models import Appointment
from participants.models import Participant, ParticipantType
from tenants.models import ApplicationKind
from tests.appointments.helpers import DOC_SCHEDULE_BODY, client_with, doc_body, schedule_body
from tests.factories import ApplicationFactory


def test_the_documents_example_is_accepted_verbatim(doc_application):
    client = client_with("ROLE_AGENT", application=doc_application, user_id="agent-7")

    response = client.post("/api/appointments/", doc_body(DOC_SCHEDULE_BODY), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["applicationId"] == str(doc_application.pk)
    assert body["start"] == "2022-01-31T19:00:00Z"
    assert body["end"] == "2022-01-31T19:05:00Z"
    assert body["duration"] == "PT5M"
    assert body["timezone"] == "Europe/Berlin"
    assert body["locale"] == "en_GB"
    assert body["title"] == "Product installation review"
    assert body["notes"] == "CRM ref: 3nv-1gt-4rt"
    assert body["notificationHeaders"] == {"x-channel": "widget"}
    assert body["metadata"] == {"prop1": "value1"}
    assert body["interaction"] == {
        "customFields": {"property1": "string", "property2": "string"},
        "routing": {
            "properties": {"deploymentId": "c461a74-af3a-4b55-a461-bafbf077a34e"},
            "type": "GENESYS_CLOUD_FLOW",
        },
        "state": "PENDING",
    }
    assert "roomAccess" not in body


def test_the_caller_organizes_and_the_customer_takes_part(application):
    client = client_with("ROLE_AGENT", application=application, user_id="agent-7")
    customer = {
        "contact": {"primaryEmail": "bobby@example.com", "primaryPhone": "+30 210 223 4988"},
        "name": {"firstName": "Bobby", "lastName": "Ewing"},
        "metadata": {"refNo": "CS-9838", "Nested-Key": {"keep": "as is"}},
        "username": "ewingb",
    }

    response = client.post("/api/appointments/", schedule_body(application, customer=customer), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["organizer"] == {"id": "agent-7", "state": "active", "type": "AGENT"}
    types = [(p["id"] == "agent-7", p["type"]) for p in body["participantIds"]]
    assert types == [(True, "AGENT"), (False, "CUSTOMER")]
    stored = Participant.objects.get(appointment_id=body["id"], type=ParticipantType.CUSTOMER)
    assert stored.phone == "+302102234988"
    assert stored.email == "bobby@example.com"
    assert (stored.first_name, stored.last_name, stored.username) == ("Bobby", "Ewing", "ewingb")
    assert stored.metadata == {"refNo": "CS-9838", "Nested-Key": {"keep": "as is"}}
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.end == datetime(2030, 1, 31, 19, 30, tzinfo=UTC)
    assert appointment.application_id == application.pk


def test_a_phone_without_country_code_uses_the_applications_region(application):
    application.default_region = "GR"
    application.save(update_fields=["default_region"])
    client = client_with("ROLE_AGENT", application=application)
    customer = {"contact": {"primaryPhone": "2102234988"}}

    response = client.post("/api/appointments/", schedule_body(application, customer=customer), format="json")

    assert response.status_code == 200
    assert Participant.objects.get(type=ParticipantType.CUSTOMER).phone == "+302102234988"


@pytest.mark.parametrize("field", ["applicationId", "start", "duration", "timezone"])
def test_each_required_field_missing_is_named(application, field):
    client = client_with("ROLE_AGENT", application=application)
    body = schedule_body(application)
    del body[field]

    response = client.post("/api/appointments/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
    assert field in response.json()["fields"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicationId", "not-a-uuid"),
        ("start", "31/01/2022 19:00"),
        ("duration", "5 minutes"),
        ("duration", "PT0S"),
        ("duration", "-PT5M"),
        ("duration", "P1M"),
        ("duration", "PT99999999999999H"),
        ("duration", "P30D"),
        ("timezone", "CET+1"),
        ("timezone", "Mars/Olympus"),
        ("locale", "xx_YY_ZZ_bad"),
        ("notificationHeaders", "not json"),
        ("notificationHeaders", {"x-count": 3}),
        ("start", "0001-01-01T00:00:00+01:00"),
        ("start", "9999-12-31T23:59:00Z"),
    ],
)
def test_a_malformed_field_is_named(application, field, value):
    client = client_with("ROLE_AGENT", application=application)

    response = client.post("/api/appointments/", schedule_body(application, **{field: value}), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        ({"contact": {"primaryEmail": "not an email"}}, "customer.contact.primaryEmail"),
        ({"contact": {"primaryPhone": "12"}}, "customer.contact.primaryPhone"),
        ({"contact": {"primaryPhone": "+1 555 0100 999 999"}}, "customer.contact.primaryPhone"),
    ],
)
def test_bad_customer_contacts_are_named(application, customer, field):
    client = client_with("ROLE_AGENT", application=application)

    response = client.post("/api/appointments/", schedule_body(application, customer=customer), format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_unknown_routing_type_is_refused(application):
    client = client_with("ROLE_AGENT", application=application)
    interaction = {"routing": {"type": "CARRIER_PIGEON"}}

    response = client.post(
        "/api/appointments/", schedule_body(application, interaction=interaction), format="json"
    )

    assert response.status_code == 400
    assert "interaction.routing.type" in response.json()["fields"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(ApplicationKind.GENESYS, "GENESYS_CLOUD_FLOW"), (ApplicationKind.TALKDESK, "TALKDESK_DIGITAL_CONNECT")],
)
def test_the_routing_type_defaults_by_application_kind(db, kind, expected):
    application = ApplicationFactory(kind=kind)
    client = client_with("ROLE_CLIENT_SERVICE", application=application)

    response = client.post("/api/appointments/", schedule_body(application), format="json")

    assert response.json()["interaction"]["routing"] == {"properties": {}, "type": expected}


def test_a_talkdesk_application_reads_the_documents_alternatives_as_its_own_type(db):
    application = ApplicationFactory(kind=ApplicationKind.TALKDESK, default_region="GR")
    client = client_with("ROLE_AGENT", application=application)
    body = doc_body(DOC_SCHEDULE_BODY)
    body["applicationId"] = str(application.pk)

    response = client.post("/api/appointments/", body, format="json")

    assert response.json()["interaction"]["routing"] == {
        "properties": {"touchpointId": "c461a74-af3a-4b55-a461-bafbf077a34e"},
        "type": "TALKDESK_DIGITAL_CONNECT",
    }


def test_an_explicit_routing_type_and_properties_are_kept(application):
    client = client_with("ROLE_AGENT", application=application)
    interaction = {"routing": {"type": "GENESYS_CLOUD_QUEUE", "properties": {"queueId": "q-1"}}}

    response = client.post(
        "/api/appointments/", schedule_body(application, interaction=interaction), format="json"
    )

    assert response.json()["interaction"]["routing"] == {
        "properties": {"queueId": "q-1"},
        "type": "GENESYS_CLOUD_QUEUE",
    }


def test_another_applications_id_is_not_found(application, other_application):
    client = client_with("ROLE_AGENT", application=application)

    response = client.post("/api/appointments/", schedule_body(other_application), format="json")

    assert response.status_code == 404
    assert response.json()["error"] == "StatusNotFound"
    assert not Appointment.objects.exists()


def test_an_auto_activating_application_returns_room_access_at_once(db, settings):
    settings.ROOM_BASE_URL = "https://rooms.example.org"
    application = ApplicationFactory(auto_activate=True)
    client = client_with("ROLE_AGENT", application=application)

    response = client.post("/api/appointments/", schedule_body(application), format="json")

    room = response.json()["roomAccess"]
    assert room["url"].startswith("https://rooms.example.org/")
    assert room == {"url": room["url"], "type": "MULTI_USE_TICKET", "expires": "2030-01-31T19:30:00Z"}


def test_the_locale_defaults_to_the_applications(db):
    application = ApplicationFactory(default_locale="el_GR")
    client = client_with("ROLE_AGENT", application=application)

    response = client.post("/api/appointments/", schedule_body(application), format="json")

    assert response.json()["locale"] == "el_GR"


def test_an_offset_start_is_stored_in_utc(application):
    client = client_with("ROLE_AGENT", application=application)
    body = schedule_body(application, start="2030-01-31T20:00:00.123456789+01:00", duration="PT1H30M")

    response = client.post("/api/appointments/", body, format="json")

    assert response.json()["start"] == "2030-01-31T19:00:00Z"
    assert response.json()["end"] == "2030-01-31T20:30:00Z"
    stored = Appointment.objects.get()
    assert stored.start == datetime(2030, 1, 31, 19, 0, 0, 123456, tzinfo=UTC)
    assert stored.duration == timedelta(hours=1, minutes=30)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metadata", {"note": "nul\x00byte"}),
        ("metadata", {"deep": [{"key\x00": 1}]}),
        ("metadata", {"half": "\ud83d"}),
        ("notificationHeaders", {"x-channel": "a\x00b"}),
        ("customer", {"metadata": {"x": "\udc00"}}),
        ("interaction", {"customFields": {"x": "\x00"}, "routing": {}}),
        ("interaction", {"routing": {"properties": {"deploymentId": "\x00"}}}),
    ],
)
def test_json_the_database_cannot_store_is_refused(application, field, value):
    client = client_with("ROLE_AGENT", application=application)
    # json.dumps escapes lone surrogates as \uXXXX, the way a client would send them.
    raw = json.dumps(schedule_body(application, **{field: value}))

    response = client.post("/api/appointments/", raw, content_type="application/json")

    assert response.status_code == 400
    assert any(name.startswith(field) for name in response.json()["fields"])
    assert not Appointment.objects.exists()


def test_a_token_user_id_too_long_to_store_is_refused(application):
    client = client_with("ROLE_AGENT", application=application, user_id="a" * 201)

    response = client.post("/api/appointments/", schedule_body(application), format="json")

    assert response.status_code == 400
    assert "organizerId" in response.json()["fields"]
