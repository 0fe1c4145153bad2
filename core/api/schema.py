"""OpenAPI pieces every API shares: the error envelope and the lenient field types."""

from typing import Any, cast

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorResponseSerializer(serializers.Serializer):
    """The error envelope of CONTRACT.md section 4."""

    status = serializers.IntegerField()
    error = serializers.CharField()
    message = serializers.CharField()
    # The serializer's metaclass moves declared fields off the class, so this leaves the
    # `Serializer.fields` property alone; the stubs cannot see that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only for validation errors: the messages of each field.",
    )


_MEANINGS = {
    400: "BadRequest: the request was malformed or missing required fields.",
    401: "Unauthorized: authorization information is missing or invalid.",
    403: "Forbidden: the caller's roles do not allow this operation.",
    404: "StatusNotFound: no such object for this caller.",
    409: "StatusConflict.",
    429: "TooManyRequests: rate limit reached; try again later.",
    502: "BadGateway: the provider did not take the message.",
}


def error_responses(*codes: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Documented error responses; `descriptions` override a code's text (key e.g. `e404`)."""
    return {
        code: OpenApiResponse(
            ErrorResponseSerializer, description=descriptions.get(f"e{code}", _MEANINGS[code])
        )
        for code in codes
    }


class _StringField(OpenApiSerializerFieldExtension):
    openapi_type = OpenApiTypes.STR
    example = ""
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        basic = cast(dict[str, Any], build_basic_type(self.openapi_type))  # None only for OpenApiTypes.NONE
        return {**basic, "example": self.example}


class ISODurationFieldSchema(_StringField):
    target_class = "core.api.fields.ISODurationField"
    openapi_type = OpenApiTypes.DURATION
    example = "PT30M"


class LocaleFieldSchema(_StringField):
    target_class = "core.api.fields.LocaleField"
    example = "en_GB"


class TimeZoneFieldSchema(_StringField):
    target_class = "core.api.fields.TimeZoneField"
    example = "Europe/Berlin"


class JSONObjectFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "core.api.fields.JSONObjectField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        values = {"type": "string"} if self.target.string_values else {}
        return {"type": "object", "additionalProperties": values}
