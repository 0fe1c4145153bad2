"""Operators look at appointments here; every change goes through the same services as the API."""

from django.contrib import admin, messages
from django.db.models import QuerySet

from appointments import services
from appointments.models import Appointment
from participants.models import Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["participant_id", "type", "state", "first_name", "last_name", "email", "phone"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "application",
        "organizer_id",
        "start",
        "end",
        "interaction_state",
        "activated",
    ]
    list_filter = ["interaction_state", "application"]
    list_select_related = ["application"]
    search_fields = ["=id", "title", "organizer_id"]
    date_hierarchy = "start"
    inlines = [ParticipantInline]
    actions = ["activate", "end_interaction"]

    # Raw edits would skip the services and their change hook: the admin only reads and acts.
    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field.name for field in Appointment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(boolean=True)
    def activated(self, appointment: Appointment) -> bool:
        return appointment.is_activated

    @admin.action(description="Activate (create the video room)")
    def activate(self, request, queryset: QuerySet) -> None:
        for appointment in queryset:
            services.appointment_activate(appointment=appointment)
        messages.success(request, f"Activated {queryset.count()} appointment(s).")

    @admin.action(description="End the interaction")
    def end_interaction(self, request, queryset: QuerySet) -> None:
        for appointment in queryset:
            services.appointment_end(appointment=appointment)
        messages.success(request, f"Ended {queryset.count()} appointment(s).")

    def delete_model(self, request, obj: Appointment) -> None:
        services.appointment_delete(appointment=obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for appointment in queryset:
            services.appointment_delete(appointment=appointment)
