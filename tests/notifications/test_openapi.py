"""The OpenAPI document describes the notification endpoints once each, without warnings."""

import yaml
from django.core.management import call_command


def test_schema_lists_the_notification_operations(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    paths, components = schema["paths"], schema["components"]["schemas"]
    notification_paths = {path for path in paths if path.startswith("/api/notifications/")}
    assert notification_paths == {
        "/api/notifications/emails/verify",
        "/api/notifications/emails/confirm",
        "/api/notifications/emails/test",
        "/api/notifications/sms/verify",
        "/api/notifications/sms/confirm",
        "/api/notifications/sms/test",
        "/api/notifications/tags",
        "/api/notifications/locales",
        "/api/notifications/templates/",
        "/api/notifications/templates/impact",
        "/api/notifications/templates/{template_id}",
        "/api/notifications/webhooks/",
        "/api/notifications/webhooks/{endpoint_id}",
        "/api/notifications/deliveries/",
        "/api/notifications/twilio/status",
        "/api/notifications/sms/inbound",
    }
    assert paths["/api/notifications/emails/verify"]["post"]["security"] == [{"jwtBearerToken": []}]
    # The webhook secret can be written but is never part of a response.
    assert "secret" in components["WebhookEndpointInputRequest"]["properties"]
    assert "secret" not in components["WebhookEndpoint"]["properties"]
    # Twilio signs its callbacks; it carries no bearer token.
    assert paths["/api/notifications/twilio/status"]["post"].get("security") in ([], [{}], None)
    assert paths["/api/notifications/sms/inbound"]["post"].get("security") in ([], [{}], None)
    assert paths["/api/notifications/deliveries/"]["get"]["security"] == [{"jwtBearerToken": []}]
