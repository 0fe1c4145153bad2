"""Under /api/ even Django's own answers (unknown paths, 405s, DEBUG's pages) are the JSON envelope."""

import json
import urllib.error
import urllib.request

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DEBUG_ON_AND_OFF = pytest.mark.parametrize("debug", [True, False], ids=["DEBUG on", "DEBUG off"])

UNKNOWN = [
    ("get", "/api/nope"),
    ("post", "/api/nope"),
    ("get", "/api/"),
    ("get", "/api/appointments/x/y/z/w"),
    ("get", "/api/notifications/nope"),
    ("delete", "/api/cal/nope"),
]

# Views that are not the API's own: Swagger UI's page and the schema's YAML renderer.
WRONG_METHOD = [
    ("post", "/api/docs/", "GET"),
    ("delete", "/api/schema/", "GET"),
    ("put", "/api/appointments/eligible/", "GET"),
]


@DEBUG_ON_AND_OFF
@pytest.mark.parametrize(("method", "path"), UNKNOWN)
def test_an_unknown_path_is_a_json_404(settings, debug, method, path):
    settings.DEBUG = debug

    response = getattr(Client(), method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": 404, "error": "StatusNotFound", "message": f"no resource at {path}"}


@DEBUG_ON_AND_OFF
@pytest.mark.parametrize(("method", "path", "allowed"), WRONG_METHOD)
def test_a_wrong_method_is_a_json_405(settings, debug, method, path, allowed):
    settings.DEBUG = debug

    response = getattr(Client(), method)(path)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "MethodNotAllowed"
    assert allowed in response["Allow"]


@pytest.mark.urls("tests.tenants.urls")
def test_debugs_error_page_is_not_shown_under_api(settings):
    settings.DEBUG = True

    response = Client(raise_request_exception=False).get("/api/probe/django-boom")

    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "error": "InternalServerError",
        "message": "An unexpected error occurred.",
    }
    assert b"secret internals" not in response.content


def test_outside_api_debug_keeps_djangos_page(settings):
    settings.DEBUG = True

    response = Client().get("/no/such/page")

    assert response.status_code == 404
    assert b"Using the URLconf defined in" in response.content  # the technical 404 page


@DEBUG_ON_AND_OFF
def test_a_missing_slash_is_still_redirected(settings, debug):
    settings.DEBUG = debug

    response = Client().get("/api/schema")

    assert response.status_code == 301
    assert response["Location"] == "/api/schema/"


def _fetch(url: str, method: str) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a loopback URL)
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/api/nope", 404), ("POST", "/api/docs/", 405)]
)
def test_a_real_server_in_debug_answers_json(settings, live_server, method, path, status):
    # What `bin/dev` runs: a WSGI server over a socket, DEBUG on.
    settings.DEBUG = True

    code, content_type, body = _fetch(f"{live_server.url}{path}", method)

    assert (code, content_type, body["status"]) == (status, "application/json", status)
