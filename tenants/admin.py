from django.contrib import admin

from tenants.admin_scoping import TenantScopedAdmin
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
class ApplicationAdmin(TenantScopedAdmin, admin.ModelAdmin):
    application_lookup = "pk"
    list_display = ["name", "organization_id", "kind", "auto_activate", "notifications_active", "created_at"]
    list_filter = ["kind", "auto_activate", "notifications_active"]
    search_fields = ["name", "organization_id", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "organization_id", "kind", "default_locale", "default_region", "id"]}),
        ("Behaviour", {"fields": ["auto_activate", "notifications_active"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [SupervisorMembershipInline]

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
