"""Every 4xx/5xx under /api/ is the CONTRACT section 4 envelope, never a traceback."""

import logging

import pytest
from django.test import Client

pytestmark = [pytest.mark.urls("tests.tenants.urls"), pytest.mark.django_db]


def test_malformed_json_is_a_400_envelope(client_for):
    response = client_for("ROLE_AGENT").post(
        "/api/probe/echo", data='{"start": ', content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["error"] == "BadRequest"
    assert "JSON" in body["message"]


def test_non_json_body_is_a_415_envelope(client_for):
    response = client_for("ROLE_AGENT").post("/api/probe/echo", data="start=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"] == "UnsupportedMediaType"


def test_validation_errors_name_each_field(client_for):
    response = client_for("ROLE_AGENT").post(
        "/api/probe/echo", {"duration": "five minutes", "locale": "xx-nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"start", "duration", "locale"}
    assert "start" in body["message"]


def test_wrong_method_is_a_405_envelope(client_for):
    response = client_for("ROLE_AGENT").delete("/api/probe/echo")
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowed"


def test_unknown_api_path_is_a_json_404():
    response = Client().get("/api/no/such/thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": 404,
        "error": "StatusNotFound",
        "message": "no resource at /api/no/such/thing",
    }


def test_unknown_page_outside_api_stays_html():
    response = Client().get("/no/such/page")
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


def test_unhandled_error_in_api_view_is_logged_and_hidden(client_for, caplog):
    with caplog.at_level(logging.ERROR, logger="core.api.exceptions"):
        response = client_for("ROLE_AGENT").get("/api/probe/boom")
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "error": "InternalServerError",
        "message": "An unexpected error occurred.",
    }
    assert b"secret internals" not in response.content
    record = next(r for r in caplog.records if r.name == "core.api.exceptions")
    assert record.exc_info and "secret internals" in str(record.exc_info[1])


def test_unhandled_error_outside_drf_under_api_is_a_json_500():
    response = Client(raise_request_exception=False).get("/api/probe/django-boom")
    assert response.status_code == 500
    assert response.json()["error"] == "InternalServerError"
    assert b"secret internals" not in response.content
