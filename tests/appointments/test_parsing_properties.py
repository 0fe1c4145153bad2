"""Property tests of the list filters' ISO 8601 duration and range parsing."""

from datetime import UTC, datetime, timedelta, timezone

from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from appointments.serializers import AppointmentListQuerySerializer
from core.api.fields import format_duration

DAY = 24 * 3600
durations = st.integers(min_value=1, max_value=7 * DAY).map(lambda seconds: timedelta(seconds=seconds))


@st.composite
def iso_duration_text(draw) -> tuple[str, timedelta]:
    """A duration written in any of the ways clients write one, with the value it means."""
    value = draw(durations)
    days, rest = divmod(int(value.total_seconds()), DAY)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    # Optionally move whole days into hours, as in PT36H.
    if days and draw(st.booleans()):
        days, hours = 0, hours + 24 * days
    date = f"{days}D" if days else ""
    parts = [(hours, "H"), (minutes, "M"), (seconds, "S")]
    show_zero = draw(st.booleans())
    time = "".join(f"{n}{unit}" for n, unit in parts if n or show_zero)
    text = f"P{date}" + (f"T{time}" if time else "")
    if draw(st.booleans()):
        text = text.lower()
    if draw(st.booleans()):
        text = f'"{text}"'
    return text, value


def parse_query(**params) -> tuple[bool, dict]:
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    serializer = AppointmentListQuerySerializer(data=query)
    return serializer.is_valid(), (serializer.validated_data if serializer.is_valid() else serializer.errors)


@settings(max_examples=200, deadline=None)
@given(st.lists(iso_duration_text(), min_size=1, max_size=5), st.booleans())
def test_durations_parse_to_their_values_comma_separated_or_repeated(items, repeated):
    texts = [text for text, _ in items]
    ok, data = parse_query(duration=texts if repeated else [",".join(texts)])

    assert ok, data
    assert data["duration"] == [value for _, value in items]


@settings(max_examples=200, deadline=None)
@given(durations)
def test_the_canonical_form_reads_back_as_the_same_duration(value):
    ok, data = parse_query(duration=[format_duration(value)])

    assert ok, data
    assert data["duration"] == [value]


instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(tzinfo=UTC))
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda minutes: timedelta(minutes=minutes))


@st.composite
def iso_datetime_text(draw) -> tuple[str, datetime]:
    """An instant written with any offset and any number of fractional digits, and what it means."""
    instant = draw(instants)
    offset = draw(offsets)
    local = instant.astimezone(timezone(offset))
    digits = draw(st.integers(min_value=0, max_value=9))
    micro = f"{local.microsecond:06d}"
    fraction = (micro + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=3, max_size=3))))[
        :digits
    ]
    zone = "Z" if not offset and draw(st.booleans()) else local.strftime("%z")
    if zone != "Z" and draw(st.booleans()):
        zone = f"{zone[:3]}:{zone[3:]}"
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + zone
    # Digits beyond microseconds are dropped, never rounded.
    meant = instant.replace(microsecond=int(fraction[:6].ljust(6, "0")) if digits else 0)
    if draw(st.booleans()):
        text = f'"{text}"'
    return text, meant


@settings(max_examples=300, deadline=None)
@given(iso_datetime_text(), iso_datetime_text())
def test_a_range_reads_as_two_utc_instants_in_order(first, second):
    (start_text, start), (end_text, end) = first, second

    ok, data = parse_query(range=[f"{start_text},{end_text}"])

    if start < end:
        assert ok, data
        assert data["range"] == [start, end]
        assert all(
            moment.tzinfo is not None and moment.utcoffset() == timedelta(0) for moment in data["range"]
        )
    else:
        assert not ok
        assert "range" in data


@settings(max_examples=100, deadline=None)
@given(st.lists(iso_datetime_text(), min_size=1, max_size=4).filter(lambda items: len(items) != 2))
def test_a_range_of_other_than_two_instants_is_refused(items):
    ok, errors = parse_query(range=[",".join(text for text, _ in items)])

    assert not ok
    assert "range" in errors
