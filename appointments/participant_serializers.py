"""Bodies of the participant operations of an appointment (/api/appointments/participants/...)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api.fields import UnquotedCharField, UnquotedChoiceField, UnquotedUUIDField
from participants.models import SETTABLE_STATES
from participants.serializers import CustomerDetailsSerializer


@extend_schema_serializer(component_name="AddParticipantAgent")
class AddParticipantAgentSerializer(serializers.Serializer):
    id = UnquotedUUIDField(help_text="The appointment's id.")
    userId = UnquotedCharField(source="user_id", max_length=200, help_text="The agent's user id.")


@extend_schema_serializer(component_name="AddParticipantCustomer")
class AddParticipantCustomerSerializer(serializers.Serializer):
    customer = CustomerDetailsSerializer()
    id = UnquotedUUIDField(help_text="The appointment's id.")


@extend_schema_serializer(component_name="UpdateParticipantState")
class UpdateParticipantStateSerializer(serializers.Serializer):
    state = UnquotedChoiceField(choices=[state.value for state in SETTABLE_STATES])
