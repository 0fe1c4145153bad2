"""Shapes of the application settings endpoint (GET/PATCH /api/applications/settings)."""

from rest_framework import serializers


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"], help_text="Local time, HH:MM.")
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"], help_text="Local time, HH:MM.")

    def validate(self, attrs):
        # A PATCH is partial, and that reaches nested fields: a window needs both ends all the same.
        missing = {name: ["This field is required."] for name in ("start", "end") if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError("start and end must differ")
        return attrs


class ApplicationSettingsSerializer(serializers.Serializer):
    """The settings of the token's application; PATCH changes only the fields it sends."""

    applicationId = serializers.UUIDField(source="id", read_only=True)
    quietHours = QuietHoursSerializer(
        allow_null=True,
        required=False,
        help_text=(
            "REMINDER and ROOM emails and SMS due inside this window, in the recipient's time zone, "
            "wait for its end (or go just before it starts when the end is after the appointment's "
            "start). null: off."
        ),
    )
    confirmationRequests = serializers.BooleanField(
        source="confirmation_requests",
        required=False,
        help_text="Reminders ask the customer to confirm or decline: a reply by SMS, links by email.",
    )
    smsFallbackToEmail = serializers.BooleanField(
        source="sms_fallback_to_email",
        required=False,
        help_text="An SMS that fails, is undelivered or meets an opt-out goes once by email instead.",
    )
    shortLinks = serializers.BooleanField(
        source="short_links",
        required=False,
        help_text="Links in messages are short signed links to the service that show the current state.",
    )
    waitingEscalationMinutes = serializers.IntegerField(
        source="waiting_escalation_minutes",
        allow_null=True,
        required=False,
        min_value=1,
        max_value=1440,
        help_text="Raise customer.waiting when a customer waits this long after the start with no agent. "
        "null: off.",
    )
    preventAgentOverlap = serializers.BooleanField(
        source="prevent_agent_overlap",
        required=False,
        help_text="Refuse (409) appointments that would make an agent organize two at the same time.",
    )

    def to_representation(self, instance):
        window = None
        if instance.quiet_hours_start is not None and instance.quiet_hours_end is not None:
            window = {
                "start": instance.quiet_hours_start.strftime("%H:%M"),
                "end": instance.quiet_hours_end.strftime("%H:%M"),
            }
        return {
            "applicationId": str(instance.id),
            "quietHours": window,
            "confirmationRequests": instance.confirmation_requests,
            "smsFallbackToEmail": instance.sms_fallback_to_email,
            "shortLinks": instance.short_links,
            "waitingEscalationMinutes": instance.waiting_escalation_minutes,
            "preventAgentOverlap": instance.prevent_agent_overlap,
        }


def settings_values(validated: dict) -> dict:
    """The model values a validated PATCH body sets."""
    # Fields with a source arrive under their model names; quietHours under its own.
    values = {key: value for key, value in validated.items() if key != "quietHours"}
    if "quietHours" in validated:
        window = validated["quietHours"]
        values["quiet_hours_start"] = window["start"] if window else None
        values["quiet_hours_end"] = window["end"] if window else None
    return values
