"""Serializer fields of the appointment API, beyond the shared ones of core.api.fields.

Bounds that keep date arithmetic inside the calendar, lists given as repeated or
comma-separated parameters, and the routing alternatives the document's own
example offers ("A or B").
"""

import re
from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import RoutingType
from core.api.fields import (
    ISODurationField,
    UnquotedUUIDField,
    parse_json_object,
    unquote,
)


class BoundedDurationField(ISODurationField):
    """An ISO 8601 duration no longer than `max_value` (huge ones overflow date arithmetic)."""

    def __init__(self, *, max_value: timedelta | None = None, **kwargs):
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        limit = self.max_value or settings.APPOINTMENT_MAX_DURATION
        if value > limit:
            raise serializers.ValidationError(
                f"must not exceed {ISODurationField().to_representation(limit)}"
            )
        return value


class CommaListField(serializers.ListField):
    """A list given as repeated parameters, comma-separated values, or both (quotes allowed)."""

    def to_internal_value(self, data):
        raw_items = [data] if isinstance(data, str) else data
        if not isinstance(raw_items, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        items = []
        for raw in raw_items:
            if not isinstance(raw, str):
                items.append(raw)
                continue
            items.extend(part.strip().strip('"') for part in raw.split(",") if part.strip().strip('"'))
        try:
            return super().to_internal_value(items)
        except serializers.ValidationError as exc:
            # Name the parameter itself, and the offending item in the message.
            raise serializers.ValidationError(_item_messages(exc.detail, items)) from None


def _item_messages(detail, items: list) -> list[str]:
    if not isinstance(detail, dict):
        return [str(message) for message in detail]
    return [f"item {index + 1}: {messages[0]}" for index, messages in detail.items()]


@extend_schema_field({"type": "string", "enum": RoutingType.values})
class RoutingTypeField(serializers.Field):
    """A routing type, read as a list of choices: the document's own example offers "A or B"."""

    def to_internal_value(self, data):
        text = unquote(data)
        if not isinstance(text, str) or not text:
            raise serializers.ValidationError(f"must be one of {', '.join(RoutingType.values)}")
        options = [part.strip() for part in re.split(r"\s+or\s+", text)]
        if any(option not in RoutingType.values for option in options):
            raise serializers.ValidationError(f"must be one of {', '.join(RoutingType.values)}")
        return options

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class RoutingPropertiesField(serializers.Field):
    """Routing properties as an object or a string holding one; a list of choices like the type.

    The document's example writes `"{\\"deploymentId\\": …} or {\\"touchpointId\\": …}"`.
    """

    def to_internal_value(self, data):
        if data in ("", None):
            return [{}]
        if isinstance(data, str) and not _parses(data):
            return [self._object(piece) for piece in re.split(r"(?<=\})\s+or\s+(?=\{)", data.strip())]
        return [self._object(data)]

    @staticmethod
    def _object(value) -> dict:
        try:
            parsed = parse_json_object(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if any(not isinstance(item, str) for item in parsed.values()):
            raise serializers.ValidationError("values must be strings")
        return parsed

    def to_representation(self, value):
        return value


def _parses(text: str) -> bool:
    try:
        parse_json_object(text)
    except ValueError:
        return False
    return True


class ApplicationIdField(UnquotedUUIDField):
    """An application id: a UUID in its 36-character form, quoted or not."""
