"""Shapes of participants in and out of the API, with the document's field names."""

from typing import overload

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api.fields import JSONObjectField, UnquotedCharField
from core.api.validators import storable_json
from participants.contacts import normalize_customer_phone, normalize_email
from participants.services import CustomerDetails
from tenants.models import Application

# The context key of the application whose customers a serializer reads: national
# phone numbers are read in its default region (see contact_context).
CONTACT_APPLICATION = "application"


@extend_schema_serializer(component_name="Contact")
class ContactSerializer(serializers.Serializer):
    primaryEmail = UnquotedCharField(
        source="email", required=False, allow_blank=True, max_length=254, help_text="Primary email address."
    )
    primaryPhone = UnquotedCharField(
        source="phone",
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=(
            "Primary phone; stored in E.164. A number without + and country code is read in the "
            "application's default region, and refused if the application has none."
        ),
    )

    def validate_primaryEmail(self, value: str) -> str:
        return _normalized(normalize_email, value)

    def validate_primaryPhone(self, value: str) -> str:
        application = self.context.get(CONTACT_APPLICATION)
        return _normalized(lambda phone: normalize_customer_phone(phone, application=application), value)


def contact_context(application: Application) -> dict[str, Application]:
    """Serializer context in which customers' contacts are read for `application` (its phone region)."""
    return {CONTACT_APPLICATION: application}


def _normalized(normalize, value: str) -> str:
    if not value:
        return ""
    try:
        return normalize(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


@extend_schema_serializer(component_name="Name")
class NameSerializer(serializers.Serializer):
    firstName = UnquotedCharField(source="first_name", required=False, allow_blank=True, max_length=200)
    lastName = UnquotedCharField(source="last_name", required=False, allow_blank=True, max_length=200)


@extend_schema_serializer(component_name="CustomerDetails")
class CustomerDetailsSerializer(serializers.Serializer):
    contact = ContactSerializer(required=False)
    metadata = JSONObjectField(
        required=False, help_text="Any additional information about the customer.", validators=[storable_json]
    )
    name = NameSerializer(required=False)
    username = UnquotedCharField(required=False, allow_blank=True, max_length=254)


@overload
def customer_details(data: dict) -> CustomerDetails: ...
@overload
def customer_details(data: None) -> None: ...
def customer_details(data: dict | None) -> CustomerDetails | None:
    """The validated `customer` object of a request as the services take it."""
    if data is None:
        return None
    contact = data.get("contact") or {}
    name = data.get("name") or {}
    return CustomerDetails(
        username=data.get("username", ""),
        first_name=name.get("first_name", ""),
        last_name=name.get("last_name", ""),
        email=contact.get("email", ""),
        phone=contact.get("phone", ""),
        metadata=data.get("metadata") or {},
    )


@extend_schema_serializer(component_name="participant")
class ParticipantSummarySerializer(serializers.Serializer):
    id = serializers.CharField(source="participant_id", read_only=True)
    state = serializers.CharField(read_only=True, help_text="active, WAITING, JOINED or LEFT.")
    type = serializers.CharField(read_only=True, help_text="AGENT or CUSTOMER.")


@extend_schema_serializer(component_name="GetParticipantDetailsResponse")
class ParticipantDetailsSerializer(serializers.Serializer):
    contact = ContactSerializer(source="*", read_only=True)
    id = serializers.CharField(source="participant_id", read_only=True)
    metadata = JSONObjectField(read_only=True)
    name = NameSerializer(source="*", read_only=True)
    type = serializers.CharField(read_only=True, help_text="AGENT or CUSTOMER.")
    username = serializers.CharField(read_only=True)
