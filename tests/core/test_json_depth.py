"""JSON nested deeper than API_MAX_JSON_DEPTH is a 400, in a body or in a string inside one."""

import json

import pytest

from appointments.models import Appointment
from core.api.fields import parse_json_object
from core.api.limits import json_depth_exceeds
from tests.appointments.helpers import schedule_body

DEEP = 10_000


def _nested_objects(depth: int) -> str:
    """`{"a": {"a": ... {}}}`, `depth` objects deep."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


def _nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "limit", "exceeds"),
    [
        ("[]", 1, False),
        ("[[]]", 1, True),
        ('{"a": [1, {"b": 2}]}', 3, False),
        ('{"a": [1, {"b": 2}]}', 2, True),
        ('{"a": "[[[[[[{{{{"}', 1, False),
        (r'{"a": "\"[[[[[[{{{{"}', 1, False),
        (r'["\\", [[]]]', 2, True),
        (r'["\\", [[]]]', 3, False),
        ('"' + "[" * DEEP, 1, False),
        (_nested_arrays(DEEP), 64, True),
        (_nested_objects(DEEP), 64, True),
        (_nested_objects(32), 32, False),
        (_nested_objects(33), 32, True),
    ],
    ids=lambda value: value[:20] if isinstance(value, str) else str(value),
)
def test_depth_counts_arrays_and_objects_outside_strings(text, limit, exceeds):
    assert json_depth_exceeds(text, limit) is exceeds
    assert json_depth_exceeds(text.encode(), limit) is exceeds


def test_a_string_holding_deep_json_is_refused_by_name(settings):
    with pytest.raises(ValueError, match="nested too deeply") as refused:
        parse_json_object(_nested_arrays(DEEP))

    assert str(settings.API_MAX_JSON_DEPTH) in str(refused.value)


def test_a_string_at_the_depth_limit_is_read(settings):
    parsed = parse_json_object(_nested_objects(settings.API_MAX_JSON_DEPTH))

    assert list(parsed) == ["a"]


# --- through the API ---


def _post(client, text: str):
    return client.post("/api/appointments/", text, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "deep_body", [_nested_arrays(DEEP), _nested_objects(DEEP)], ids=["arrays", "objects"]
)
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_deeply_nested_body_is_a_400(client_for, settings, deep_body, debug):
    settings.DEBUG = debug

    response = _post(client_for("ROLE_AGENT"), deep_body)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["status"], body["error"]) == (400, "BadRequest")
    assert "body nested too deeply" in body["message"]
    assert str(settings.API_MAX_JSON_DEPTH) in body["message"]


@pytest.mark.django_db
def test_a_body_at_the_depth_limit_is_accepted(application, client_for, settings):
    # The body is one level; its metadata brings it to exactly the limit.
    metadata = json.loads(_nested_objects(settings.API_MAX_JSON_DEPTH - 1))
    text = json.dumps(schedule_body(application, metadata=metadata))

    response = _post(client_for("ROLE_AGENT"), text)

    assert response.status_code == 200, response.json()
    assert Appointment.objects.get().metadata == metadata


@pytest.mark.django_db
def test_a_body_one_level_past_the_limit_is_refused(application, client_for, settings):
    metadata = json.loads(_nested_objects(settings.API_MAX_JSON_DEPTH))
    text = json.dumps(schedule_body(application, metadata=metadata))

    response = _post(client_for("ROLE_AGENT"), text)

    assert response.status_code == 400
    assert "body nested too deeply" in response.json()["message"]
    assert not Appointment.objects.exists()


def _with_field(application, field: str, value: str) -> dict:
    """A schedule body with `value` at the dotted `field`."""
    body = schedule_body(application, customer={"contact": {"primaryEmail": "bobby@example.com"}})
    *parents, name = field.split(".")
    target = body
    for parent in parents:
        target = target.setdefault(parent, {})
    target[name] = value
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field",
    [
        "metadata",
        "notificationHeaders",
        "interaction.customFields",
        "interaction.routing.properties",
        "customer.metadata",
    ],
)
def test_deep_json_inside_a_string_field_is_a_400_naming_the_field(application, client_for, settings, field):
    body = _with_field(application, field, _nested_arrays(DEEP))

    response = client_for("ROLE_AGENT").post("/api/appointments/", body, format="json")

    assert response.status_code == 400, response.json()
    envelope = response.json()
    assert envelope["error"] == "BadRequest"
    assert "nested too deeply" in envelope["fields"][field][0]
    assert str(settings.API_MAX_JSON_DEPTH) in envelope["fields"][field][0]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_metadata_as_a_string_at_the_depth_limit_is_accepted(application, client_for, settings):
    text = _nested_objects(settings.API_MAX_JSON_DEPTH)
    body = schedule_body(application, metadata=text)

    response = client_for("ROLE_AGENT").post("/api/appointments/", body, format="json")

    assert response.status_code == 200, response.json()
    assert Appointment.objects.get().metadata == json.loads(text)
