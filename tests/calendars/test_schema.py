"""The OpenAPI document describes the calendar operations, and validates without warnings."""

import yaml
from django.core.management import call_command


def test_schema_lists_both_operations_once_without_auth(tmp_path, db):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    paths = yaml.safe_load(out.read_text())["paths"]
    calendar_paths = sorted(p for p in paths if p.startswith("/api/cal/"))
    assert calendar_paths == ["/api/cal/events/google/{id}/event", "/api/cal/events/ical/{id}/event"]
    ical = paths["/api/cal/events/ical/{id}/event"]["get"]
    google = paths["/api/cal/events/google/{id}/event"]["get"]
    assert list(ical["responses"]["200"]["content"]) == ["text/calendar"]
    assert set(ical["responses"]) == {"200", "400", "404"}
    assert set(google["responses"]) == {"302", "400", "404"}
    assert "Location" in google["responses"]["302"]["headers"]
    assert "security" not in ical and "security" not in google
