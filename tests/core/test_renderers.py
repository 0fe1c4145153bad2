"""ORJSONRenderer writes what DRF's JSONRenderer writes: the same bytes, or for floats the same numbers."""

import datetime
import decimal
import json
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from core.api.renderers import ORJSONRenderer

# JSON as clients send it and as our serializers produce it: any integers (also
# beyond 64 bits), any text (U+2028 and U+2029 included), and finite floats.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.sampled_from(["\u2028", "a\u2029b", "é中😀", '"\\/', "\x00\x1f"])
)


def nested(leaves):
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
        ),
        max_leaves=30,
    )


@given(nested(scalars))
def test_json_without_floats_renders_to_the_same_bytes(value):
    assert ORJSONRenderer().render(value) == JSONRenderer().render(value)


@given(nested(scalars | st.floats(allow_nan=False, allow_infinity=False)))
def test_json_with_floats_renders_to_the_same_values(value):
    assert json.loads(ORJSONRenderer().render(value) or b"null") == json.loads(
        JSONRenderer().render(value) or b"null"
    )


def test_small_floats_may_be_spelled_differently():
    value = [5.960464477539063e-08, 1e-05, 1e16, 0.1, 1.5, -2.0, 123456.789]

    assert JSONRenderer().render(value) == b"[5.960464477539063e-08,1e-05,1e+16,0.1,1.5,-2.0,123456.789]"
    assert ORJSONRenderer().render(value) == b"[5.960464477539063e-8,0.00001,1e+16,0.1,1.5,-2.0,123456.789]"


@dataclass
class Point:
    x: int


def test_values_orjson_would_write_differently_go_through_drfs_encoder():
    value = {
        "at": datetime.datetime(2030, 1, 31, 19, 0, 0, 123456, tzinfo=datetime.UTC),
        "naive": datetime.datetime(2030, 1, 31, 19, 0),
        "day": datetime.date(2030, 1, 31),
        "time": datetime.time(19, 0, 5, 250000),
        "length": datetime.timedelta(minutes=5),
        "id": uuid.UUID("f46f165d-383a-4432-9a3e-9c805a152e0c"),
        "money": decimal.Decimal("12.50"),
        "lazy": gettext_lazy("Not found."),
        "bytes": b"raw",
        "set": {1},
    }

    assert ORJSONRenderer().render(value) == JSONRenderer().render(value)


def test_non_string_keys_and_huge_integers_fall_back_to_jsonrenderer():
    value = {1: "one", "big": 2**70, "small": -(2**64)}

    assert (
        ORJSONRenderer().render(value)
        == JSONRenderer().render(value)
        == (b'{"1":"one","big":1180591620717411303424,"small":-18446744073709551616}')
    )


def test_a_client_asking_for_indentation_gets_it():
    value = {"a": [1, {"b": None}]}

    assert ORJSONRenderer().render(value, "application/json; indent=2") == JSONRenderer().render(
        value, "application/json; indent=2"
    )
    assert b"\n  " in ORJSONRenderer().render(value, "application/json; indent=2")


def test_nothing_renders_as_an_empty_body():
    assert ORJSONRenderer().render(None) == b""


def test_not_a_number_is_written_as_null_where_jsonrenderer_would_fail():
    assert ORJSONRenderer().render({"x": float("nan")}) == b'{"x":null}'


def test_api_responses_are_rendered_by_it(api_client):
    response = api_client.get("/api/appointments/count")  # a 400: the envelope goes through it too

    assert type(response.accepted_renderer) is ORJSONRenderer
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == 400
