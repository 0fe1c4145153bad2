"""Shapes of appointments in and out of the API, with the document's field names.

Field names are the document's camelCase, declared one by one: keys inside
metadata, customFields and notificationHeaders are the client's and pass
through untouched. The leniencies of CONTRACT.md section 5 come from
core.api.fields.
"""

from datetime import timedelta

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from appointments.fields import (
    ApplicationIdField,
    BoundedDurationField,
    CommaListField,
    RoutingPropertiesField,
    RoutingTypeField,
)
from appointments.models import Appointment, RoutingType
from appointments.selectors import SORT_FIELDS
from core.api.fields import (
    ISODurationField,
    JSONObjectField,
    LocaleField,
    TimeZoneField,
    UnquotedCharField,
    UnquotedChoiceField,
    UnquotedIntegerField,
    UnquotedUUIDField,
    UTCDateTimeField,
    format_datetime_utc,
    format_duration,
    window_end,
)
from core.api.validators import storable_json
from participants.serializers import (
    CustomerDetailsSerializer,
    ParticipantSummarySerializer,
    customer_details,
)
from tenants.models import Application

ROOM_TICKET_TYPE = "MULTI_USE_TICKET"
# Query time frames beyond this are surely mistakes, and would overflow date arithmetic.
LONGEST_TIME_FRAME = timedelta(days=3660)


# --- Requests -------------------------------------------------------------------------------


@extend_schema_serializer(component_name="RoutingData")
class RoutingDataInSerializer(serializers.Serializer):
    properties = RoutingPropertiesField(
        required=False,
        validators=[storable_json],
        help_text="Routing properties for the type, e.g. deploymentId or touchpointId.",
    )
    type = RoutingTypeField(
        required=False,
        help_text=(
            "GENESYS_CLOUD_FLOW, GENESYS_CLOUD_QUEUE or TALKDESK_DIGITAL_CONNECT. Defaults to "
            "GENESYS_CLOUD_FLOW for a Genesys application, TALKDESK_DIGITAL_CONNECT for a Talkdesk one."
        ),
    )


@extend_schema_serializer(component_name="InteractionData")
class InteractionDataInSerializer(serializers.Serializer):
    customFields = JSONObjectField(
        source="custom_fields", string_values=True, required=False, validators=[storable_json]
    )
    routing = RoutingDataInSerializer()


@extend_schema_serializer(component_name="ScheduleAppointment")
class ScheduleAppointmentSerializer(serializers.Serializer):
    applicationId = ApplicationIdField(source="application_id", help_text="Must be the token's application.")
    customer = CustomerDetailsSerializer(required=False)
    duration = BoundedDurationField(help_text="ISO 8601, e.g. PT30M.")
    interaction = InteractionDataInSerializer(required=False)
    locale = LocaleField(required=False, help_text="en-GB or en_GB; defaults to the application's locale.")
    metadata = JSONObjectField(required=False, validators=[storable_json])
    notes = UnquotedCharField(required=False, allow_blank=True, max_length=10000)
    notificationHeaders = JSONObjectField(
        source="notification_headers", string_values=True, required=False, validators=[storable_json]
    )
    start = UTCDateTimeField(help_text="UTC, ISO 8601.")
    timezone = TimeZoneField(help_text="IANA time zone, e.g. Europe/Berlin.")
    title = UnquotedCharField(required=False, allow_blank=True, max_length=500)


class ApplicationReferenceSerializer(serializers.Serializer):
    """Only a body's applicationId: read first where the application decides how the rest is read."""

    applicationId = ApplicationIdField(source="application_id")


def schedule_arguments(data: dict, application: Application) -> dict:
    """Keyword arguments for appointment_schedule from a validated ScheduleAppointmentRequest."""
    interaction = data.get("interaction") or {}
    routing_type, routing_properties = _routing_choice(application, interaction.get("routing") or {})
    return {
        "start": data["start"],
        "duration": data["duration"],
        "timezone": data["timezone"],
        "locale": data.get("locale"),
        "title": data.get("title", ""),
        "notes": data.get("notes", ""),
        "metadata": data.get("metadata") or {},
        "notification_headers": data.get("notification_headers") or {},
        "routing_type": routing_type,
        "routing_properties": routing_properties,
        "custom_fields": interaction.get("custom_fields") or {},
        "customer": customer_details(data.get("customer")),
    }


def _routing_choice(application: Application, routing: dict) -> tuple[str | None, dict]:
    """Pick one routing type and its properties where the request offers alternatives.

    The application's own default wins when offered, else the first; then the
    properties that fit the type (touchpointId for Talkdesk, deploymentId otherwise).
    """
    types = routing.get("type") or []
    default = application.default_routing_type
    chosen = default if default in types else (types[0] if types else None)
    options = routing.get("properties") or [{}]
    key = "touchpointId" if (chosen or default) == RoutingType.TALKDESK_DIGITAL_CONNECT else "deploymentId"
    properties = next((option for option in options if key in option), options[0])
    return chosen, properties


@extend_schema_serializer(component_name="UpdateAppointment")
class UpdateAppointmentSerializer(serializers.Serializer):
    """Fields left out stay as they are; a field sent empty (or null) is cleared."""

    id = UnquotedUUIDField(help_text="The appointment's id.")
    metadata = JSONObjectField(required=False, allow_null=True, validators=[storable_json])
    notes = UnquotedCharField(required=False, allow_blank=True, allow_null=True, max_length=10000)
    notificationHeaders = JSONObjectField(
        source="notification_headers",
        string_values=True,
        required=False,
        allow_null=True,
        validators=[storable_json],
    )
    title = UnquotedCharField(required=False, allow_blank=True, allow_null=True, max_length=500)


@extend_schema_serializer(component_name="RescheduleAppointment")
class RescheduleAppointmentSerializer(serializers.Serializer):
    duration = BoundedDurationField(help_text="ISO 8601, e.g. PT30M.")
    id = UnquotedUUIDField(help_text="The appointment's id.")
    locale = LocaleField(required=False)
    start = UTCDateTimeField()
    timezone = TimeZoneField()


@extend_schema_serializer(component_name="CustomerOTP")
class CustomerOTPSerializer(serializers.Serializer):
    applicationId = ApplicationIdField(source="application_id")
    email = UnquotedCharField(required=False, allow_blank=True, max_length=254)
    phone = UnquotedCharField(required=False, allow_blank=True, max_length=64)

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("email")) == bool(attrs.get("phone")):
            raise serializers.ValidationError({"email": ["give either email or phone"]})
        return attrs


# --- Query parameters -----------------------------------------------------------------------


class AppointmentListQuerySerializer(serializers.Serializer):
    applicationId = ApplicationIdField(required=False, help_text="Must be the token's application.")
    organizerId = CommaListField(
        child=UnquotedCharField(max_length=200),
        required=False,
        max_length=100,
        help_text="Organizer ids, comma-separated; honoured for ROLE_SUPERVISOR only.",
    )
    duration = CommaListField(
        child=BoundedDurationField(),
        required=False,
        max_length=100,
        help_text="ISO 8601 durations, comma-separated.",
    )
    range = CommaListField(
        child=UTCDateTimeField(),
        required=False,
        help_text="start,end in UTC: appointments starting at or after start and before end.",
    )
    pageSize = UnquotedIntegerField(min_value=1, max_value=100, default=25)
    pageNumber = UnquotedIntegerField(min_value=1, max_value=1_000_000, default=1)
    sortOrder = UnquotedChoiceField(choices=["asc", "desc"], default="asc")
    sortField = UnquotedChoiceField(choices=list(SORT_FIELDS), default="start")

    def validate_range(self, value: list) -> list:
        if len(value) != 2:
            raise serializers.ValidationError("give exactly two date-times: start,end")
        if value[0] >= value[1]:
            raise serializers.ValidationError("start must be before end")
        return value


class AppointmentCountQuerySerializer(serializers.Serializer):
    applicationId = ApplicationIdField()
    organizationId = UnquotedCharField(max_length=200)
    start = UTCDateTimeField()
    timeFrame = BoundedDurationField(max_value=LONGEST_TIME_FRAME, help_text="ISO 8601, e.g. PT10H.")

    def validate(self, attrs: dict) -> dict:
        window_end(attrs["start"], attrs["timeFrame"], field="timeFrame")
        return attrs


class AppointmentOverlapQuerySerializer(serializers.Serializer):
    applicationId = ApplicationIdField()
    organizationId = UnquotedCharField(max_length=200)
    start = UTCDateTimeField()
    duration = BoundedDurationField(max_value=LONGEST_TIME_FRAME, help_text="ISO 8601, e.g. PT5M.")

    def validate(self, attrs: dict) -> dict:
        window_end(attrs["start"], attrs["duration"], field="duration")
        return attrs


class AppointmentEligibleQuerySerializer(serializers.Serializer):
    timeFrame = BoundedDurationField(
        max_value=LONGEST_TIME_FRAME,
        required=False,
        help_text="Deprecated: only those starting within this duration from now. Without it, all of them.",
    )


# --- Responses ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="RoutingData")
class RoutingDataSerializer(serializers.Serializer):
    properties = JSONObjectField(source="routing_properties", string_values=True, read_only=True)
    type = serializers.CharField(source="routing_type", read_only=True)


@extend_schema_serializer(component_name="InteractionData")
class InteractionDataSerializer(serializers.Serializer):
    customFields = JSONObjectField(source="custom_fields", string_values=True, read_only=True)
    routing = RoutingDataSerializer(source="*", read_only=True)
    state = serializers.CharField(
        source="interaction_state", read_only=True, help_text="PENDING or COMPLETE."
    )


@extend_schema_serializer(component_name="AppointmentRoomDetails")
class AppointmentRoomDetailsSerializer(serializers.Serializer):
    expires = UTCDateTimeField(source="end", read_only=True, help_text="The appointment's end, in UTC.")
    type = serializers.SerializerMethodField()
    url = serializers.CharField(source="room_url", read_only=True)

    def get_type(self, appointment: Appointment) -> str:
        return ROOM_TICKET_TYPE


@extend_schema_serializer(component_name="AppointmentActivationResponse")
class AppointmentActivationResponseSerializer(AppointmentRoomDetailsSerializer):
    pass


@extend_schema_serializer(component_name="Appointment")
class AppointmentSerializer(serializers.Serializer):
    applicationId = serializers.UUIDField(source="application_id", read_only=True)
    duration = ISODurationField(read_only=True)
    end = UTCDateTimeField(read_only=True)
    id = serializers.UUIDField(read_only=True)
    interaction = InteractionDataSerializer(source="*", read_only=True)
    locale = serializers.CharField(read_only=True)
    metadata = JSONObjectField(read_only=True)
    notes = serializers.CharField(read_only=True)
    notificationHeaders = JSONObjectField(source="notification_headers", string_values=True, read_only=True)
    notificationsActive = serializers.BooleanField(source="notifications_active", read_only=True)
    organizer = serializers.SerializerMethodField()
    participantIds = ParticipantSummarySerializer(source="participant_rows", many=True, read_only=True)
    start = UTCDateTimeField(read_only=True)
    timezone = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)

    @extend_schema_field(ParticipantSummarySerializer)
    def get_organizer(self, appointment: Appointment) -> dict:
        # The participants are prefetched (or loaded once) and shared with participantIds.
        row = next(
            (p for p in appointment.participant_rows if p.participant_id == appointment.organizer_id), None
        )
        return {
            "id": appointment.organizer_id,
            "state": row.state if row else "active",
            "type": appointment.organizer_type,
        }

    def to_representation(self, appointment: Appointment) -> dict:
        """What the fields declared above render, built in one pass.

        Lists render up to 100 of these per request, and DRF's generic walk over
        nested fields costs several times more. The declared fields stay the
        contract (the OpenAPI schema is made from them); a test holds this
        equal to DRF's own field-by-field rendering of them.
        """
        participants = appointment.participant_rows
        return {
            "applicationId": str(appointment.application_id),
            "duration": format_duration(appointment.duration),
            "end": format_datetime_utc(appointment.end),
            "id": str(appointment.id),
            "interaction": {
                "customFields": appointment.custom_fields or {},
                "routing": {
                    "properties": appointment.routing_properties or {},
                    "type": appointment.routing_type,
                },
                "state": appointment.interaction_state,
            },
            "locale": appointment.locale,
            "metadata": appointment.metadata or {},
            "notes": appointment.notes,
            "notificationHeaders": appointment.notification_headers or {},
            "notificationsActive": appointment.notifications_active,
            "organizer": self.get_organizer(appointment),
            "participantIds": [
                {"id": p.participant_id, "state": p.state, "type": p.type} for p in participants
            ],
            "start": format_datetime_utc(appointment.start),
            "timezone": appointment.timezone,
            "title": appointment.title,
        }


@extend_schema_serializer(component_name="GetAppointmentResponse")
class GetAppointmentResponseSerializer(AppointmentSerializer):
    roomAccess = AppointmentRoomDetailsSerializer(
        source="*", required=False, help_text="Only once the appointment is activated."
    )

    def to_representation(self, appointment: Appointment) -> dict:
        data = super().to_representation(appointment)
        if appointment.room_url:
            data["roomAccess"] = {
                "expires": format_datetime_utc(appointment.end),
                "type": ROOM_TICKET_TYPE,
                "url": appointment.room_url,
            }
        return data


@extend_schema_serializer(component_name="FindAppointmentsResponsePaged")
class FindAppointmentsResponsePagedSerializer(serializers.Serializer):
    content = AppointmentSerializer(source="items", many=True, read_only=True)
    pageCount = serializers.IntegerField(source="page_count", read_only=True)
    pageNumber = serializers.IntegerField(source="filters.page_number", read_only=True)
    pageSize = serializers.IntegerField(source="filters.page_size", read_only=True)
    sortField = serializers.CharField(source="filters.sort_field", read_only=True)
    sortOrder = serializers.CharField(source="filters.sort_order", read_only=True)
    total = serializers.IntegerField(read_only=True)


@extend_schema_serializer(component_name="AppointmentCountResponse")
class AppointmentCountResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    duration = ISODurationField(read_only=True)
    end = UTCDateTimeField(read_only=True)
    start = UTCDateTimeField(read_only=True)
    timezone = serializers.CharField(read_only=True)


@extend_schema_serializer(component_name="AppointmentOverlapResponse")
class AppointmentOverlapResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)


@extend_schema_serializer(component_name="FindAppointmentsEligibleResponse")
class FindAppointmentsEligibleResponseSerializer(serializers.Serializer):
    eligibleFrom = UTCDateTimeField(
        source="created_at",
        read_only=True,
        help_text="Since activations have no time limits: when scheduled.",
    )
    id = serializers.UUIDField(read_only=True)
    start = UTCDateTimeField(read_only=True)
    timezone = serializers.CharField(read_only=True)


@extend_schema_serializer(component_name="CustomerOTPResponse")
class CustomerOTPResponseSerializer(serializers.Serializer):
    applicationId = serializers.UUIDField(source="application_id", read_only=True)
    validFor = ISODurationField(source="valid_for", read_only=True)
