"""A second admin site whose admins exercise every part of the scoping mixins.

The project's own appointment and participant admins arrive with their
services; these probes use the same models so that foreign keys, inlines,
filters, search and actions across tenants are tested now.
"""

from django.contrib import admin

from appointments.models import Appointment
from participants.models import Participant
from tenants.admin import ApplicationAdmin
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedInline
from tenants.models import Application

site = admin.AdminSite(name="probe_admin")


class ParticipantInline(TenantScopedInline, admin.TabularInline):
    model = Participant
    fields = ["participant_id", "type", "first_name", "email"]
    extra = 0


@admin.register(Appointment, site=site)
class AppointmentProbeAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_display = ["title", "application", "start"]
    list_filter = ["application", "organizer_type"]
    search_fields = ["title", "participants__email"]
    # No date-time fields: the tests post this form back as plain text inputs.
    fields = ["application", "title", "organizer_id", "timezone", "routing_type"]
    inlines = [ParticipantInline]
    actions = ["mark_reviewed"]

    @admin.action(description="Mark as reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        queryset.update(notes="reviewed")


@admin.register(Participant, site=site)
class ParticipantProbeAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_display = ["participant_id", "appointment"]
    list_filter = ["appointment", "appointment__application"]
    search_fields = ["participant_id", "email"]
    fields = ["application", "appointment", "participant_id", "type", "first_name", "email"]


@admin.register(Application, site=site)
class ApplicationProbeAdmin(ApplicationAdmin):
    inlines = []  # Memberships pick users, whose admin lives on the project's site only.


class ParticipantByAppointmentAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Not registered: scopes participants through their appointment, as deliveries will."""

    application_lookup = "appointment__application"
