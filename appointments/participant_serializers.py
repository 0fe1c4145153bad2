"""Bodies of the participant operations of an appointment (/api/appointments/participants/...)."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api.fields import UnquotedCharField, UnquotedChoiceField, UnquotedUUIDField, UTCDateTimeField
from participants.confirmations import CHANNELS as CONFIRMATION_CHANNELS
from participants.models import SETTABLE_STATES, Confirmation, Participant, ParticipantType
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


@extend_schema_serializer(component_name="ParticipantConfirmation")
class ParticipantConfirmationSerializer(serializers.Serializer):
    """A participant's answer to "will you attend?"; also the `participant` of the participant.* webhooks."""

    id = serializers.CharField(source="participant_id", read_only=True, help_text="The participant's id.")
    type = serializers.ChoiceField(choices=ParticipantType.choices, read_only=True)
    confirmation = serializers.ChoiceField(
        choices=Confirmation.choices, read_only=True, help_text="NONE until the participant answers."
    )
    answeredAt = UTCDateTimeField(
        source="confirmation_at", read_only=True, allow_null=True, help_text="When; null while NONE."
    )
    channel = serializers.SerializerMethodField(help_text="SMS (a reply) or EMAIL (a link); null while NONE.")

    @extend_schema_field({"type": "string", "enum": list(CONFIRMATION_CHANNELS), "nullable": True})
    def get_channel(self, participant: Participant) -> str | None:
        return participant.confirmation_channel or None


@extend_schema_serializer(component_name="AppointmentConfirmationsResponse")
class AppointmentConfirmationsSerializer(serializers.Serializer):
    appointmentId = serializers.UUIDField(source="appointment.pk", read_only=True)
    participants = ParticipantConfirmationSerializer(many=True, read_only=True)
