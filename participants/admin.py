"""The console's participants: a searchable, read-only view scoped to the supervisor's applications.

Participants join, change state and leave through the API's participant
operations, which notify and bump the appointment's version; the console shows
them and links to their appointment, where actions live.
"""

from django.contrib import admin

from participants.models import CustomerOneTimeCode, Participant
from tenants.admin_scoping import TenantScopedAdmin


@admin.register(Participant)
class ParticipantAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_display = [
        "participant_id",
        "type",
        "full_name",
        "email",
        "phone",
        "state",
        "appointment",
        "application",
    ]
    list_filter = ["type", "state", "confirmation", "application"]
    list_select_related = ["appointment", "application"]
    search_fields = ["participant_id", "first_name", "last_name", "email", "phone", "appointment__title"]
    readonly_fields = [
        "participant_id",
        "type",
        "state",
        "first_name",
        "last_name",
        "username",
        "email",
        "phone",
        "metadata",
        "appointment",
        "application",
        "created_at",
        "updated_at",
    ]
    fields = list(readonly_fields)

    # The dashboard's confirmation chart links here with a week of appointment starts.
    DASHBOARD_LOOKUPS = ("appointment__start__gte", "appointment__start__lt")

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup in self.DASHBOARD_LOOKUPS or super().lookup_allowed(lookup, value, request)

    @admin.display(description="name", ordering="last_name")
    def full_name(self, participant: Participant) -> str:
        return participant.full_name

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CustomerOneTimeCode)
class CustomerOneTimeCodeAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Read-only: lets an operator see why a customer's code was refused (expired, used, attempts)."""

    list_display = ["contact", "channel", "application", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["channel"]
    list_select_related = ["application"]
    search_fields = ["contact"]
    exclude = ["code_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
