"""Serializer fields that read input the way the API document's own examples write it.

CONTRACT.md section 5: strings wrapped in literal double quotes, date-times with any
number of fractional digits, locales with '-' or '_', headers as an object or as a
string holding one, ISO 8601 durations. Written once here, used by every serializer.
"""

import json
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import isodate
from babel import Locale, UnknownLocaleError
from rest_framework import serializers

from core.api.limits import JSONTooDeep, check_json_depth, json_depth_limit
from core.ids import parse_uuid


def unquote(value):
    """Read '"PT5M"' (a string wrapped in literal double quotes) as 'PT5M'."""
    if isinstance(value, str):
        stripped = value.strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
            return stripped[1:-1]
        return stripped
    return value


_DATETIME_RE = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)"
    r"(?:[.,](?P<fraction>\d+))?"
    r"(?P<zone>Z|z|[+-]\d{2}(?::?\d{2})?)?\Z",
    re.ASCII,  # \d is 0-9 only, not every script's digits
)


def parse_datetime_utc(value: str) -> datetime:
    """Parse an ISO 8601 date-time with any fractional digits; naive means UTC."""
    match = _DATETIME_RE.match(unquote(value) if isinstance(value, str) else "")
    if not match:
        raise ValueError("must be an ISO 8601 date-time such as 2022-01-31T19:00:00Z")
    base = match["base"].replace(" ", "T")
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    zone = match["zone"] or "Z"
    zone = "+00:00" if zone in {"Z", "z"} else zone
    if re.fullmatch(r"[+-]\d{2}", zone):
        zone += ":00"
    elif re.fullmatch(r"[+-]\d{4}", zone):
        zone = f"{zone[:3]}:{zone[3:]}"
    if len(base) == 16:
        base += ":00"
    parsed = datetime.fromisoformat(f"{base}.{fraction}{zone}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("lies outside the years 1 to 9999 in UTC") from None


def format_datetime_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(UTC)
    # RFC 3339 wants four year digits; strftime("%Y") writes year 4 as "4" on this platform.
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


# The calendar the API reads: every instant of the years 1 to 9999, UTC (Python's datetime;
# SQLite and PostgreSQL store all of it).
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
# Instants whose wall-clock time exists in every zone: UTC offsets stay under 16 hours, even the
# local mean times of the first years, so a day's margin at each end keeps local times in range.
ZONED_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
ZONED_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def shifted(moment: datetime, delta: timedelta) -> datetime | None:
    """`moment + delta`, or None where that falls outside the calendar."""
    try:
        return moment + delta
    except OverflowError:
        return None


def window_end(start: datetime, length: timedelta, *, field: str) -> datetime:
    """The end of the query window [start, start + length); past the year 9999 it is a 400 naming `field`."""
    end = shifted(start, length)
    if end is None:
        message = f"from {format_datetime_utc(start)} it reaches beyond the year 9999"
        raise serializers.ValidationError({field: [message]})
    return end


def parse_duration(value: str) -> timedelta:
    """Parse an ISO 8601 duration made of days, hours, minutes and seconds."""
    text = unquote(value) if isinstance(value, str) else None
    if not text:
        raise ValueError("must be an ISO 8601 duration such as PT5M")
    try:
        parsed = isodate.parse_duration(text.upper())
    except (isodate.ISO8601Error, ValueError):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT5M") from None
    except OverflowError:
        raise ValueError(f"{text!r} is far too long") from None
    if not isinstance(parsed, timedelta):
        # Years and months have no fixed length; an appointment needs an exact one.
        raise ValueError(f"{text!r} uses years or months; use days, hours, minutes or seconds")
    return parsed


def format_duration(value: timedelta | None) -> str | None:
    return None if value is None else isodate.duration_isoformat(value)


def normalize_locale(value: str) -> str:
    """Return the locale as en_GB, accepting en-GB; unknown locales raise ValueError."""
    text = unquote(value)
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", text):
        raise ValueError(f"{value!r} is not a locale such as en_GB")
    try:
        return str(Locale.parse(text.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"{text!r} is not a known locale") from None


class _Unquoted:
    """Reads a value the document's examples may wrap in quotes ("\"25\"") as the bare value."""

    def to_internal_value(self, data):
        return super().to_internal_value(unquote(data))  # type: ignore[misc]


class UnquotedCharField(_Unquoted, serializers.CharField):
    pass


class UnquotedChoiceField(_Unquoted, serializers.ChoiceField):
    pass


class UnquotedIntegerField(_Unquoted, serializers.IntegerField):
    pass


class UnquotedUUIDField(_Unquoted, serializers.UUIDField):
    """An id: the 36-character hyphenated UUID only (either case), quoted or not; lower case out."""

    default_error_messages = {"invalid": "{value!r} is not a UUID in its 36-character form (8-4-4-4-12 hex)"}

    def to_internal_value(self, data):
        value = parse_uuid(unquote(data))
        if value is None:
            self.fail("invalid", value=data)
        return value


class UnquotedEmailField(_Unquoted, serializers.EmailField):
    pass


class UTCDateTimeField(serializers.DateTimeField):
    """Any ISO 8601 date-time in, UTC with a Z out: 2022-01-31T19:00:00Z."""

    def to_internal_value(self, value):
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        try:
            return parse_datetime_utc(value)
        except (ValueError, TypeError) as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return format_datetime_utc(value)


class ISODurationField(serializers.Field):
    """ISO 8601 duration in ('PT5M', or '"PT5M"'), canonical form out."""

    default_error_messages = {"positive": "must be longer than zero"}

    def __init__(self, *, positive: bool = True, **kwargs):
        self.positive = positive
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            duration = parse_duration(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if self.positive and duration <= timedelta(0):
            self.fail("positive")
        return duration

    def to_representation(self, value):
        return format_duration(value)


class LocaleField(serializers.Field):
    """A CLDR locale, accepted as en-GB or en_GB, returned as en_GB."""

    def to_internal_value(self, data):
        try:
            return normalize_locale(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return value


class TimeZoneField(serializers.Field):
    """An IANA time zone name such as Europe/Berlin."""

    def to_internal_value(self, data):
        name = unquote(data)
        if not isinstance(name, str) or name not in _iana_zones():
            raise serializers.ValidationError(f"{data!r} is not an IANA time zone such as Europe/Berlin")
        return name

    def to_representation(self, value):
        return value


def _iana_zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(zoneinfo.available_timezones())
    return _ZONES


_ZONES: frozenset[str] | None = None

# `{"x-channel": widget"}` as the document writes it: a bare word missing its
# opening quote. Quote such words so that copied examples still parse.
_BARE_VALUE_RE = re.compile(r'(:\s*)([A-Za-z0-9_.\-]+)"?(\s*[,}])')


def parse_json_object(value) -> dict:
    """A JSON object, or a string holding one (the document's own examples do both).

    A string nested deeper than API_MAX_JSON_DEPTH raises JSONTooDeep (a ValueError).
    """
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        text = value.strip()
        for candidate in (text, _BARE_VALUE_RE.sub(r'\1"\2"\3', text)):
            # Each candidate is checked: added quotes can end a string early and
            # bring brackets that stood inside it into play.
            try:
                parsed = _loads_shallow(candidate)
            except JSONTooDeep:
                raise
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
    raise ValueError("must be a JSON object, or a string holding a JSON object")


def _loads_shallow(text: str):
    """json.loads, refusing text nested deeper than API_MAX_JSON_DEPTH before it recurses."""
    check_json_depth(text)
    try:
        return json.loads(text)
    except RecursionError:
        raise JSONTooDeep(json_depth_limit()) from None


class JSONObjectField(serializers.Field):
    """An object of string values, accepted as JSON or as a string holding JSON."""

    def __init__(self, *, string_values: bool = False, **kwargs):
        self.string_values = string_values
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if data in ("", None):
            return {}
        try:
            parsed = parse_json_object(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if self.string_values:
            bad = [key for key, item in parsed.items() if not isinstance(item, str)]
            if bad:
                raise serializers.ValidationError(f"values must be strings (see {', '.join(bad)})")
        return parsed

    def to_representation(self, value):
        return value or {}
