"""Every response names its request id; every line logged while serving it carries the id."""

import json
import logging
import re

import pytest
from django.test import Client

from core.logs import JsonFormatter, LogContextFilter, TextFormatter, log_context, scrub
from tests.core.observability import json_logs

pytestmark = pytest.mark.django_db


def test_a_valid_caller_id_is_kept_and_returned():
    with json_logs() as logs:
        response = Client().get("/api/appointments/", HTTP_X_REQUEST_ID="req-42.a:b_c")

    assert response["X-Request-ID"] == "req-42.a:b_c"
    access = [line for line in logs.lines() if line["logger"] == "core.http"]
    assert access and all(line["request_id"] == "req-42.a:b_c" for line in access)
    # The route template, never the path: a query string may hold a contact.
    assert access[0]["http"] == {
        "method": "GET",
        "route": "api/appointments/",
        "status": 401,
        "duration_ms": access[0]["http"]["duration_ms"],
    }
    # django.request's own line, written after the middleware returned, names the request too.
    assert {line["request_id"] for line in logs.lines() if line["logger"] == "django.request"} == {
        "req-42.a:b_c"
    }


@pytest.mark.parametrize("offered", ["", "has space", 'quote"d', "x" * 129, "-leading-dash", "nl\nforged"])
def test_an_unusable_caller_id_is_replaced_by_a_fresh_one(offered):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id():
    first, second = Client().get("/healthz"), Client().get("/healthz")

    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_lines_of_an_authenticated_request_name_its_application(client_for, application):
    with json_logs() as logs:
        client_for("ROLE_AGENT").get("/api/appointments/", HTTP_X_REQUEST_ID="with-app")

    access = [line for line in logs.lines() if line.get("request_id") == "with-app"]
    assert access and access[-1]["application_id"] == str(application.pk)


def _record(message: str, *args, exc_info=None) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, message, args, exc_info)
    LogContextFilter().filter(record)
    return record


def test_the_json_line_carries_the_bound_context_and_masks_contacts():
    with log_context(delivery_id="d-1", appointment_id="a-1", channel="SMS", attempt=2):
        record = _record("to %s and %s", "bob@example.com", "+30 693 122 1100")

    line = JsonFormatter().format(record)

    fields = json.loads(line)
    assert (fields["delivery_id"], fields["attempt"], fields["channel"]) == ("d-1", 2, "SMS")
    assert (fields["level"], fields["logger"], fields["role"]) == ("WARNING", "t", "web")
    assert "bob@example.com" not in line and "693" not in line
    assert "to [email] and [phone]" in line


def test_tracebacks_are_masked_too():
    try:
        raise ValueError("no mailbox bob@example.com")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())

    line = JsonFormatter().format(record)

    assert "ValueError: no mailbox [email]" in line and "bob@" not in line


def test_contexts_nest_and_unwind():
    with log_context(request_id="outer"):
        with log_context(delivery_id="inner"):
            inner = _record("x")
        after = _record("y")

    assert (inner.request_id, inner.delivery_id) == ("outer", "inner")
    assert (after.request_id, after.delivery_id) == ("outer", None)


def test_only_known_fields_may_be_bound():
    with pytest.raises(ValueError, match="phone"), log_context(phone="+306931221100"):
        pass


def test_the_text_line_is_readable_with_its_fields():
    with log_context(request_id="r-1", channel="EMAIL"):
        record = _record("sent")

    assert TextFormatter().format(record).endswith("WARNING t sent [request_id=r-1 channel=EMAIL]")


def test_scrub_leaves_ids_alone():
    ids = "delivery 3f2b0c1e-9d4a-4b7e-8f00-123456789abc attempt 3 at 2030-03-04T09:00:00+00:00"

    assert scrub(ids) == ids
