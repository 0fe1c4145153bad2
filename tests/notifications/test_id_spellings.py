"""Template, webhook, application and appointment ids are read only as 36-character hyphenated UUIDs.

Another spelling that Python's uuid.UUID reads (braces, urn:uuid:, 32 bare hex digits) is
not found in a path and a 400 naming the field in a body or query; upper-case hex is the same id.
"""

import uuid

import pytest

from notifications.services import template_create, webhook_endpoint_create

SPELLINGS = {
    "braces": lambda value: f"{{{value}}}",
    "urn": lambda value: f"urn:uuid:{value}",
    "bare-hex": lambda value: str(value).replace("-", ""),
}


@pytest.fixture
def template(application):
    return template_create(
        application=application, type="CREATE", channel="SMS", locale="en_US", text_body="Booked"
    )


@pytest.fixture
def endpoint(application):
    return webhook_endpoint_create(
        application=application, url="https://crm.acme.example/hooks", events=["CREATE"], secret="s" * 16
    )


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_template_id_spelled_otherwise_is_not_found(admin_client, template, spelling):
    response = admin_client.get(f"/api/notifications/templates/{SPELLINGS[spelling](template.pk)}")

    assert response.status_code == 404


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_webhook_id_spelled_otherwise_is_not_found(admin_client, endpoint, spelling):
    response = admin_client.get(f"/api/notifications/webhooks/{SPELLINGS[spelling](endpoint.pk)}")

    assert response.status_code == 404


def test_upper_case_ids_name_the_same_rows(admin_client, template, endpoint):
    found = admin_client.get(f"/api/notifications/templates/{str(template.pk).upper()}")
    hooked = admin_client.get(f"/api/notifications/webhooks/{str(endpoint.pk).upper()}")

    assert (found.status_code, found.json()["id"]) == (200, str(template.pk))
    assert (hooked.status_code, hooked.json()["id"]) == (200, str(endpoint.pk))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_appointment_id_filtering_deliveries_spelled_otherwise_is_named(admin_client, spelling):
    response = admin_client.get(
        "/api/notifications/deliveries/", {"appointmentId": SPELLINGS[spelling](uuid.uuid4())}
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["appointmentId"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_application_id_in_a_template_body_spelled_otherwise_is_named(admin_client, application, spelling):
    body = {
        "applicationId": SPELLINGS[spelling](application.pk),
        "type": "CREATE",
        "channel": "SMS",
        "locale": "en_US",
        "textBody": "Booked",
    }

    response = admin_client.post("/api/notifications/templates/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["applicationId"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_application_id_in_a_verification_body_spelled_otherwise_is_named(
    admin_client, application, spelling
):
    body = {
        "applicationId": SPELLINGS[spelling](application.pk),
        "domain": "appointments.acme.example",
        "toEmail": "it@acme.example",
    }

    response = admin_client.post("/api/notifications/emails/verify", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["applicationId"]
