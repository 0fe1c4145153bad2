from django.contrib import admin

from notifications.models import ChannelSender, NotificationTemplate, SenderVerification, WebhookEndpoint


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["application", "type", "channel", "locale", "period", "active", "updated_at"]
    list_filter = ["type", "channel", "active", "locale"]
    search_fields = ["application__name", "subject", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["application", "url", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["application__name", "url", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(ChannelSender)
class ChannelSenderAdmin(admin.ModelAdmin):
    """Senders become verified only through the one-time code flow: shown, never edited."""

    list_display = ["application", "channel", "domain", "from_name", "from_number", "verified_at"]
    list_filter = ["channel"]
    search_fields = ["application__name", "domain", "from_number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SenderVerification)
class SenderVerificationAdmin(admin.ModelAdmin):
    list_display = ["application", "channel", "sent_to", "status", "attempts", "expires_at", "created_at"]
    list_filter = ["channel", "status"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
