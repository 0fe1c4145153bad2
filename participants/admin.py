from django.contrib import admin

from participants.models import CustomerOneTimeCode


@admin.register(CustomerOneTimeCode)
class CustomerOneTimeCodeAdmin(admin.ModelAdmin):
    """Read-only: lets an operator see why a customer's code was refused (expired, used, attempts)."""

    list_display = ["contact", "channel", "application", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["channel"]
    search_fields = ["contact"]
    exclude = ["code_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
