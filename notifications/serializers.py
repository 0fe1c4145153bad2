"""Shapes of the /api/notifications bodies: camelCase names, the document's leniencies, no side effects."""

import json
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import (
    ISODurationField,
    LocaleField,
    TimeZoneField,
    UnquotedCharField,
    UnquotedChoiceField,
    UnquotedEmailField,
    UnquotedIntegerField,
    UnquotedUUIDField,
    UTCDateTimeField,
    unquote,
)
from notifications.models import Channel, DeliveryChannel, DeliveryStatus, NotificationType, WebhookEvent
from notifications.templating import rendering
from participants.contacts import normalize_phone

# The document's test requests name these channels; only one fits each endpoint.
REQUEST_CHANNELS = ["SMS", "EMAIL", "WEBHOOKS"]
_TRAILING_COMMENT_RE = re.compile(r"\s*\([^()]*\)\s*$")
_FQDN_RE = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))+$")


# --- fields ----------------------------------------------------------------------


class TemplateTextField(serializers.CharField):
    """Template text with `{{tags}}`; refused with the offending tag named.

    The document's examples send bodies as a JSON string inside the string
    ("\\"Dear {{firstName}},\\\\n\\\\n...\\""): such a value is decoded once more,
    so its \\n become line breaks.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(_decode_quoted(data) if isinstance(data, str) else data).strip()
        try:
            rendering.validate(text)
        except rendering.TagError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return text


def _decode_quoted(value: str) -> str:
    stripped = value.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        try:
            decoded = json.loads(stripped)
        except ValueError:
            return unquote(stripped)
        if isinstance(decoded, str):
            return decoded
    return value


@extend_schema_field({"type": "string", "format": "duration", "example": "P1D"})
class PeriodField(ISODurationField):
    """An ISO 8601 duration; a trailing comment as in the document's "P1D (1 day before)" is ignored."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = _TRAILING_COMMENT_RE.sub("", unquote(data))
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "example": "Europe/Berlin"})
class ZoneField(TimeZoneField):
    """An IANA time zone name; UTC when left out."""


@extend_schema_field({"type": "string", "example": "+302102234988"})
class PhoneNumberField(serializers.CharField):
    """A phone number in E.164; returned normalised (+302102234988)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(unquote(data))
        try:
            return normalize_phone(text)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_field({"type": "string", "example": "en_GB"})
class SupportedLocaleField(LocaleField):
    """A locale from GET /api/notifications/locales, accepted as en-GB or en_GB."""

    def to_internal_value(self, data):
        locale = super().to_internal_value(data)
        if locale not in rendering.supported_locales():
            raise serializers.ValidationError(
                f"{locale} is not a supported locale (see GET /api/notifications/locales)"
            )
        return locale


class DomainField(UnquotedCharField):
    def to_internal_value(self, data):
        domain = super().to_internal_value(data).lower().rstrip(".")
        if not _FQDN_RE.match(domain):
            raise serializers.ValidationError(f"{domain!r} is not a fully qualified domain name")
        return domain


class OTPCodeField(UnquotedCharField):
    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not code.isdigit() or not 4 <= len(code) <= 10:
            raise serializers.ValidationError("must be the numeric code that was sent")
        return code


# --- verification --------------------------------------------------------------------


class EmailServiceRequestSerializer(serializers.Serializer):
    applicationId = UnquotedUUIDField()
    domain = DomainField(max_length=253)
    fromName = UnquotedCharField(max_length=200, required=False, allow_blank=True, default="")
    toEmail = UnquotedEmailField()


class SMSServiceRequestSerializer(serializers.Serializer):
    applicationId = UnquotedUUIDField()
    fromNumber = PhoneNumberField()
    toNumber = PhoneNumberField()


class ServiceOTPVerifySerializer(serializers.Serializer):
    applicationId = UnquotedUUIDField()
    validFor = serializers.CharField(help_text="How long the code stays valid, in ISO 8601 (PT10M).")


class ServiceConfirmationRequestSerializer(serializers.Serializer):
    applicationId = UnquotedUUIDField()
    code = OTPCodeField()


# --- test sends --------------------------------------------------------------------


class _NotificationTestRequestSerializer(serializers.Serializer):
    channel_required: str

    applicationId = UnquotedUUIDField()
    channel = serializers.ChoiceField(choices=REQUEST_CHANNELS)
    type = serializers.ChoiceField(choices=NotificationType.choices)
    locale = SupportedLocaleField(required=False, default=rendering.FALLBACK_LOCALE)
    timezone = ZoneField(required=False, default="UTC")
    period = PeriodField(required=False, allow_null=True, default=None)
    textBody = TemplateTextField(required=False, default="")

    def validate(self, attrs):
        if attrs["channel"] != self.channel_required:
            raise serializers.ValidationError(
                {"channel": f"must be {self.channel_required} on this endpoint, not {attrs['channel']}"}
            )
        if attrs["type"] in (NotificationType.REMINDER, NotificationType.ROOM) and attrs["period"] is None:
            raise serializers.ValidationError({"period": "is required for REMINDER and ROOM notifications"})
        return attrs


class EmailNotificationRequestSerializer(_NotificationTestRequestSerializer):
    channel_required = Channel.EMAIL

    toEmail = UnquotedEmailField()
    subject = TemplateTextField(required=False, default="", max_length=500)
    htmlBody = TemplateTextField(required=False, default="")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not (attrs["textBody"] or attrs["htmlBody"]):
            raise serializers.ValidationError({"textBody": "textBody or htmlBody is required"})
        return attrs


class SMSNotificationRequestSerializer(_NotificationTestRequestSerializer):
    channel_required = Channel.SMS

    toNumber = PhoneNumberField()
    textBody = TemplateTextField()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs["textBody"]:
            raise serializers.ValidationError({"textBody": "This field may not be blank."})
        return attrs


# --- catalogues -------------------------------------------------------------------


class NotificationParameterTagSerializer(serializers.Serializer):
    format = serializers.CharField()
    example = serializers.CharField()


class NotificationParameterTagsSerializer(serializers.Serializer):
    content = NotificationParameterTagSerializer(many=True)


class TagQuerySerializer(serializers.Serializer):
    locale = SupportedLocaleField(required=False, default=rendering.FALLBACK_LOCALE)


class NotificationLocaleSerializer(serializers.Serializer):
    locale = serializers.CharField()
    description = serializers.CharField()
    activeTemplates = serializers.IntegerField(
        required=False,
        help_text="How many active templates the caller's application has in this locale; "
        "with none, an appointment in it gets the next locale of the fallback chain.",
    )


class NotificationLocalesSerializer(serializers.Serializer):
    content = NotificationLocaleSerializer(many=True)


# --- templates ----------------------------------------------------------------------


class NotificationTemplateInputSerializer(serializers.Serializer):
    """Body of POST/PUT/PATCH /api/notifications/templates/; rules across fields are the service's."""

    applicationId = UnquotedUUIDField(required=False, write_only=True)
    type = serializers.ChoiceField(choices=NotificationType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    locale = SupportedLocaleField()
    subject = TemplateTextField(required=False, default="", max_length=500)
    textBody = TemplateTextField(required=False, default="", source="text_body")
    htmlBody = TemplateTextField(required=False, default="", source="html_body")
    period = PeriodField(required=False, allow_null=True, default=None)
    active = serializers.BooleanField(required=False, default=True)


class NotificationTemplateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    applicationId = serializers.UUIDField(source="application_id")
    type = serializers.CharField()
    channel = serializers.CharField()
    locale = serializers.CharField()
    subject = serializers.CharField()
    textBody = serializers.CharField(source="text_body")
    htmlBody = serializers.CharField(source="html_body")
    period = PeriodField(allow_null=True)
    active = serializers.BooleanField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class NotificationTemplateListSerializer(serializers.Serializer):
    content = NotificationTemplateSerializer(many=True)


class TemplateImpactInputSerializer(NotificationTemplateInputSerializer):
    """Body of POST /api/notifications/templates/impact: a template change, previewed and not saved.

    With `id`, the fields given change that template (as PATCH would); without, it is a new
    template (as POST would, so type, channel and locale are required).
    """

    id = UnquotedUUIDField(required=False, help_text="The template being changed; leave out for a new one.")
    delete = serializers.BooleanField(
        required=False, default=False, help_text="Preview deleting the template `id` instead."
    )


class PlanChangeSerializer(serializers.Serializer):
    appointmentId = serializers.UUIDField(source="appointment_id")
    type = serializers.CharField()
    channel = serializers.CharField()
    recipient = serializers.CharField(
        source="masked_recipient", help_text="Masked: b***@example.com, +3069*****100."
    )
    change = serializers.ChoiceField(source="kind", choices=["added", "moved", "cancelled"])
    oldDueAt = UTCDateTimeField(source="old_due_at", allow_null=True, help_text="null for an added delivery")
    newDueAt = UTCDateTimeField(
        source="new_due_at", allow_null=True, help_text="null for a cancelled delivery"
    )


class ImpactCountsSerializer(serializers.Serializer):
    type = serializers.CharField()
    channel = serializers.CharField()
    added = serializers.IntegerField()
    moved = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class TemplateImpactSerializer(serializers.Serializer):
    appointments = serializers.IntegerField(help_text="Future appointments of the application looked at.")
    appointmentsChanged = serializers.IntegerField(source="appointments_changed")
    added = serializers.IntegerField(help_text="Pending deliveries that would be added.")
    moved = serializers.IntegerField(help_text="Pending deliveries whose due time would change.")
    cancelled = serializers.IntegerField(help_text="Pending deliveries that would be cancelled.")
    byTypeAndChannel = ImpactCountsSerializer(source="by_type_and_channel", many=True)
    sample = PlanChangeSerializer(many=True, help_text="The first ten changes, by appointment id.")


# --- webhooks ------------------------------------------------------------------------


class WebhookEndpointInputSerializer(serializers.Serializer):
    applicationId = UnquotedUUIDField(required=False, write_only=True)
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1)
    # Write-only; required when creating, kept as it is when an update leaves it out.
    secret = serializers.CharField(write_only=True, required=False, max_length=256, trim_whitespace=False)
    active = serializers.BooleanField(required=False, default=True)


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    applicationId = serializers.UUIDField(source="application_id")
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class WebhookEndpointListSerializer(serializers.Serializer):
    content = WebhookEndpointSerializer(many=True)


# --- deliveries ------------------------------------------------------------------------

PUBLIC_DELIVERY_STATUSES = [
    DeliveryStatus.PENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
]


class DeliveryListQuerySerializer(serializers.Serializer):
    appointmentId = UnquotedUUIDField(required=False)
    type = UnquotedChoiceField(choices=WebhookEvent.values, required=False)
    channel = UnquotedChoiceField(choices=DeliveryChannel.values, required=False)
    status = UnquotedChoiceField(choices=PUBLIC_DELIVERY_STATUSES, required=False)
    pageSize = UnquotedIntegerField(min_value=1, max_value=100, default=25)
    pageNumber = UnquotedIntegerField(min_value=1, max_value=1_000_000, default=1)
    sortField = UnquotedChoiceField(choices=["dueAt", "createdAt", "sentAt"], default="dueAt")
    sortOrder = UnquotedChoiceField(choices=["asc", "desc"], default="desc")


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    appointmentId = serializers.UUIDField(source="appointment_id", read_only=True)
    type = serializers.CharField(read_only=True)
    channel = serializers.CharField(read_only=True)
    recipient = serializers.CharField(read_only=True)
    participantIds = serializers.ListField(
        source="participant_ids",
        child=serializers.CharField(),
        read_only=True,
        help_text="The participants this message serves: those who share its address get it once. "
        "Empty for webhooks.",
    )
    locale = serializers.CharField(read_only=True)
    dueAt = UTCDateTimeField(source="due_at", read_only=True)
    originalDueAt = UTCDateTimeField(
        source="original_due_at",
        read_only=True,
        allow_null=True,
        help_text="When a rule moved the delivery (quiet hours): the time it was first due; else null.",
    )
    dueNote = serializers.CharField(
        source="due_note",
        read_only=True,
        help_text="Why dueAt differs from originalDueAt, "
        'e.g. "held for quiet hours 21:00–08:00 Europe/Athens"; else empty.',
    )
    status = serializers.ChoiceField(source="public_status", choices=PUBLIC_DELIVERY_STATUSES, read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    maxAttempts = serializers.IntegerField(source="max_attempts", read_only=True)
    lastError = serializers.CharField(source="last_error", read_only=True)
    cancelReason = serializers.CharField(source="cancel_reason", read_only=True)
    sentAt = UTCDateTimeField(source="sent_at", read_only=True, allow_null=True)
    providerMessageId = serializers.CharField(source="provider_message_id", read_only=True)
    providerStatus = serializers.CharField(
        source="provider_status",
        read_only=True,
        help_text="Twilio's later word on an SMS: delivered, undelivered, failed.",
    )
    createdAt = UTCDateTimeField(source="created_at", read_only=True)
    fallbackOf = serializers.UUIDField(
        source="fallback_of_id",
        read_only=True,
        allow_null=True,
        help_text="The SMS delivery this email replaces because the SMS did not reach the recipient "
        "(the application's smsFallbackToEmail); null otherwise.",
    )


class DeliveryPageSerializer(serializers.Serializer):
    content = DeliverySerializer(source="items", many=True, read_only=True)
    pageCount = serializers.IntegerField(source="page_count", read_only=True)
    pageNumber = serializers.IntegerField(source="filters.page_number", read_only=True)
    pageSize = serializers.IntegerField(source="filters.page_size", read_only=True)
    sortField = serializers.CharField(source="filters.sort_field", read_only=True)
    sortOrder = serializers.CharField(source="filters.sort_order", read_only=True)
    total = serializers.IntegerField(read_only=True)
