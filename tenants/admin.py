from django.contrib import admin

from tenants.models import Application


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization_id", "kind", "auto_activate", "notifications_active", "created_at"]
    list_filter = ["kind", "auto_activate", "notifications_active"]
    search_fields = ["name", "organization_id", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]
