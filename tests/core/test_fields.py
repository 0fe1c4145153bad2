"""The document's way of writing input (CONTRACT.md section 5) is read once, here."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.api.fields import (
    format_datetime_utc,
    format_duration,
    normalize_locale,
    parse_datetime_utc,
    parse_duration,
    parse_json_object,
    unquote,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"2022-01-31T19:00:00.0Z"', datetime(2022, 1, 31, 19, tzinfo=UTC)),
        ("2022-01-31T19:00:00Z", datetime(2022, 1, 31, 19, tzinfo=UTC)),
        ("2022-01-31T19:00:00.123456789Z", datetime(2022, 1, 31, 19, 0, 0, 123456, tzinfo=UTC)),
        ("2022-01-31T21:00:00+02:00", datetime(2022, 1, 31, 19, tzinfo=UTC)),
        ("2022-01-31T14:30:00-0430", datetime(2022, 1, 31, 19, tzinfo=UTC)),
        ("2022-01-31T19:00", datetime(2022, 1, 31, 19, tzinfo=UTC)),
    ],
)
def test_datetimes_in_any_documented_shape_become_utc(raw, expected):
    assert parse_datetime_utc(raw) == expected


@pytest.mark.parametrize(
    "raw", ["yesterday", "2022-13-01T00:00:00Z", "2022-01-31", "", '""', "0001-01-01T00:00:00+01:00"]
)
def test_bad_datetimes_are_refused(raw):
    with pytest.raises(ValueError):
        parse_datetime_utc(raw)


def test_datetimes_are_written_in_utc_with_z():
    berlin = parse_datetime_utc("2022-01-31T20:00:00.5+01:00")
    assert format_datetime_utc(berlin) == "2022-01-31T19:00:00Z"


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(4, 1, 1, 7, 1, tzinfo=UTC), "0004-01-01T07:01:00Z"),
        (datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC), "0999-12-31T23:59:59Z"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "9999-12-31T23:59:59Z"),
    ],
)
def test_datetimes_are_written_with_four_year_digits(moment, written):
    assert format_datetime_utc(moment) == written


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [('"PT5M"', "PT5M"), ("PT1H30M", "PT1H30M"), ("P1D", "P1D"), ("pt90s", "PT1M30S"), ("PT0.5S", "PT0.5S")],
)
def test_durations_are_read_and_written_canonically(raw, canonical):
    assert format_duration(parse_duration(raw)) == canonical


@pytest.mark.parametrize("raw", ["5 minutes", "P1M", "P1Y", "", "PT5M0s (5 minutes)", "PT99999999999999H"])
def test_nominal_or_malformed_durations_are_refused(raw):
    with pytest.raises(ValueError):
        parse_duration(raw)


@given(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)).map(
        lambda d: timedelta(seconds=int(d.total_seconds()))
    )
)
def test_duration_format_round_trips(duration):
    assert parse_duration(format_duration(duration)) == duration


@pytest.mark.parametrize(("raw", "expected"), [('"en-GB"', "en_GB"), ("el_GR", "el_GR"), ("de", "de")])
def test_locales_take_either_separator(raw, expected):
    assert normalize_locale(raw) == expected


@pytest.mark.parametrize("raw", ["english", "xx_YY", "en GB", ""])
def test_unknown_locales_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_locale(raw)


def test_json_objects_come_as_objects_or_strings_even_the_documents_broken_one():
    assert parse_json_object({"a": "b"}) == {"a": "b"}
    assert parse_json_object('{"x-channel": "widget"}') == {"x-channel": "widget"}
    assert parse_json_object('{"x-channel": widget"}') == {"x-channel": "widget"}
    for bad in ("[1, 2]", "widget", 42, '"{}"x'):
        with pytest.raises(ValueError):
            parse_json_object(bad)


def test_unquote_only_strips_a_matching_pair():
    assert unquote('"abc"') == "abc"
    assert unquote('"abc') == '"abc'
    assert unquote('say "hi"') == 'say "hi"'
    assert unquote(5) == 5
