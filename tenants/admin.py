from django.contrib import admin

from core.console import ServiceBackedAdmin
from tenants.admin_scoping import TenantScopedAdmin
from tenants.application_settings import SETTINGS_FIELDS, application_settings_update
from tenants.models import Application, SupervisorMembership

admin.site.site_header = "Appointment service"
admin.site.site_title = "Appointment service admin"
admin.site.index_title = "Console"
# There is no public site to go back to: hide the "View site" link.
admin.site.site_url = None


class _SuperusersOnly:
    """Memberships decide what a supervisor sees, so only superusers may touch them."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SupervisorMembershipInline(_SuperusersOnly, admin.TabularInline):
    model = SupervisorMembership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = "supervisor"
    verbose_name_plural = "supervisors"


@admin.register(Application)
class ApplicationAdmin(ServiceBackedAdmin, TenantScopedAdmin, admin.ModelAdmin):
    application_lookup = "pk"
    list_display = ["name", "organization_id", "kind", "auto_activate", "notifications_active", "created_at"]
    list_filter = ["kind", "auto_activate", "notifications_active"]
    search_fields = ["name", "organization_id", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "organization_id", "kind", "default_locale", "default_region", "id"]}),
        ("Behaviour", {"fields": ["auto_activate", "notifications_active"]}),
        (
            "Reaching customers",
            {
                "fields": [
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "confirmation_requests",
                    "sms_fallback_to_email",
                    "short_links",
                ]
            },
        ),
        ("Supervising", {"fields": ["waiting_escalation_minutes", "prevent_agent_overlap"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [SupervisorMembershipInline]
    service_field_names = {
        "quietHours": "quiet_hours_start",
        "waitingEscalationMinutes": "waiting_escalation_minutes",
        "preventAgentOverlap": "prevent_agent_overlap",
    }

    def save_model(self, request, obj, form, change):
        """The settings go through the same service as PATCH /api/applications/settings."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = {name: form.cleaned_data[name] for name in SETTINGS_FIELDS if name in form.cleaned_data}
        stored = Application.objects.filter(pk=obj.pk).values(*SETTINGS_FIELDS).get()
        for name, value in stored.items():
            setattr(obj, name, value)
        super().save_model(request, obj, form, change)
        with self.refusals_as_form_errors():
            application_settings_update(application=obj, values=values)

    # Which contact center an application belongs to is set up by the operator
    # with the integration; a supervisor changing it would break the tokens.
    supervisor_readonly_fields = ["organization_id", "kind"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.supervisor_readonly_fields
        return readonly

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(SupervisorMembership)
class SupervisorMembershipAdmin(_SuperusersOnly, admin.ModelAdmin):
    list_display = ["user", "application", "created_at"]
    list_filter = ["application"]
    list_select_related = ["user", "application"]
    search_fields = ["user__username", "user__email", "application__name", "application__organization_id"]
    autocomplete_fields = ["user", "application"]
    readonly_fields = ["created_at", "updated_at"]
