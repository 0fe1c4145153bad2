"""The console's appointments: supervisors see their applications' rows; every change is a service call.

Nothing here saves an Appointment itself. The change form calls
appointment_update (title, notes) and appointment_reschedule (start, duration,
time zone), the actions call appointment_activate, appointment_end and
appointment_delete: the same services as the REST API, so the change hook
(version, iCalendar sequence, notifications) runs exactly as for the API.
"""

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet

from appointments import services
from appointments.admin_attendance import AttendanceFilter, attendance_of
from appointments.admin_confirmations import ConfirmationFilter, confirmation_summary
from appointments.models import Appointment
from appointments.statuses import STATUS_FILTERS, status_of
from core.console import ServiceBackedAdmin, confirm_action
from participants.models import Confirmation, Participant, ParticipantType
from tenants.admin_scoping import (
    TenantScopedAdmin,
    TenantScopedInline,
    allowed_application_ids,
    console_principal,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

LOCAL_TIME_FORMAT = "%d %b %Y %H:%M %Z"


def local_time(appointment: Appointment, moment: datetime) -> datetime:
    """`moment` in the appointment's own time zone (UTC when the zone is unknown)."""
    zone: tzinfo
    try:
        zone = zoneinfo.ZoneInfo(appointment.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return moment.astimezone(zone)


def local_start(appointment: Appointment) -> datetime:
    return local_time(appointment, appointment.start)


def format_duration_short(duration: timedelta) -> str:
    """30 min, 1 h, 1 h 30 min, 2 d 1 h."""
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or "0 min"


# --- status ---------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, status.capitalize()) for status in STATUS_FILTERS]

    def queryset(self, request, queryset):
        value = self.value()
        condition = None if value is None else STATUS_FILTERS.get(value)
        return queryset if condition is None else queryset.filter(condition)


class OrganizerFilter(admin.SimpleListFilter):
    title = "organizer"
    parameter_name = "organizer"
    # More than this and the side bar is no help: search by organizer id instead.
    max_choices = 100

    def lookups(self, request, model_admin):
        ids = allowed_application_ids(request)
        rows = Appointment.objects.all() if ids is None else Appointment.objects.filter(application__in=ids)
        organizers = rows.order_by("organizer_id").values_list("organizer_id", flat=True).distinct()
        return [(organizer, organizer) for organizer in organizers[: self.max_choices]]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(organizer_id=self.value())


# --- the change form ---------------------------------------------------------------


@lru_cache(maxsize=1)
def zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time as typed: naive, read in the time zone the form names (not the server's)."""

    def compress(self, data_list):
        if not data_list:
            return None
        date, time = data_list
        if date is None or time is None:
            raise forms.ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        return datetime.combine(date, time)


class AppointmentChangeForm(forms.ModelForm):
    """Start is shown and typed in the appointment's own time zone, the way its participants see it."""

    start = LocalDateTimeField(
        label="Start (local time)",
        widget=AdminSplitDateTime,
        help_text="In the appointment's time zone, below.",
    )
    duration = forms.DurationField(help_text="Hours:minutes:seconds, e.g. 00:45:00.")
    timezone = forms.ChoiceField(label="Time zone", choices=zone_choices)

    class Meta:
        model = Appointment
        fields = ["title", "notes", "start", "duration", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["start"] = local_start(self.instance).replace(tzinfo=None)
            if self.instance.timezone not in dict(zone_choices()):
                # An old zone name the system no longer knows: keep it choosable.
                field = cast(forms.ChoiceField, self.fields["timezone"])
                known = cast(Iterable[tuple[str, str]], field.choices)  # zone_choices, made lazy
                field.choices = [(self.instance.timezone, self.instance.timezone), *known]

    def clean(self):
        cleaned = cast(dict[str, Any], super().clean())  # a ModelForm's clean() returns cleaned_data
        start, zone_name = cleaned.get("start"), cleaned.get("timezone")
        if start is not None and zone_name:
            zone = zoneinfo.ZoneInfo(zone_name)
            aware = start.replace(tzinfo=zone)
            # A wall time inside a spring-forward gap does not exist; one in the
            # autumn overlap is read as its first occurrence (fold=0).
            if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != start:
                self.add_error(
                    "start", f"{start:%d %b %Y %H:%M} does not exist in {zone_name}: the clocks skip it."
                )
            else:
                cleaned["start"] = aware.astimezone(UTC)
        return cleaned


class ParticipantInline(TenantScopedInline, admin.TabularInline):
    """Shown, not edited: participants join and leave through the API's participant operations."""

    model = Participant
    readonly_fields = [
        "participant_id",
        "type",
        "state",
        "first_name",
        "last_name",
        "email",
        "phone",
        "confirmation",
        "confirmation_at",
        "confirmation_channel",
    ]
    fields = list(readonly_fields)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ParticipantTotal(TypedDict):
    """What AppointmentAdmin.get_queryset annotates each row with."""

    participant_total: int
    customer_total: int
    confirmed_total: int
    declined_total: int


def _customers(**conditions: str) -> Count:
    return Count(
        "participants",
        filter=Q(
            participants__type=ParticipantType.CUSTOMER,
            **{f"participants__{k}": v for k, v in conditions.items()},
        ),
        distinct=True,
    )


@admin.register(Appointment)
class AppointmentAdmin(ServiceBackedAdmin, TenantScopedAdmin, admin.ModelAdmin):
    form = AppointmentChangeForm
    list_display = [
        "title_or_id",
        "local_start",
        "duration_display",
        "organizer",
        "status",
        "notifications_active",
        "participant_count",
        "attendance",
        "confirmation",
        "application",
    ]
    list_display_links = ["title_or_id"]
    list_filter = [
        StatusFilter,
        AttendanceFilter,
        ConfirmationFilter,
        "application",
        OrganizerFilter,
        "notifications_active",
    ]
    list_select_related = ["application"]
    search_fields = [
        "title",
        "notes",
        "participants__first_name",
        "participants__last_name",
        "participants__email",
        "participants__phone",
    ]
    date_hierarchy = "start"
    ordering = ["-start"]
    inlines = [ParticipantInline]
    actions = ["activate_selected", "end_selected", "cancel_selected"]
    readonly_fields = [
        "id",
        "application",
        "status",
        "organizer",
        "locale",
        "local_end",
        "notifications_active",
        "interaction_state",
        "room_url",
        "activated_at",
        "routing_type",
        "version",
        "sequence",
        "waiting_escalated_at",
        "no_show_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["id", "application", "title", "notes", "organizer", "status"]}),
        (
            "Schedule",
            {
                "fields": ["start", "duration", "timezone", "local_end", "locale"],
                "description": "Changing the schedule moves the reminders and sends UPDATE notifications.",
            },
        ),
        (
            "Video room",
            {
                "fields": [
                    "room_url",
                    "activated_at",
                    "interaction_state",
                    "routing_type",
                    "notifications_active",
                ]
            },
        ),
        ("Attendance", {"fields": ["waiting_escalated_at", "no_show_at"]}),
        ("History", {"fields": ["version", "sequence", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    # The services name their errors as the API does.
    service_field_names = {"start": "start", "duration": "duration", "timezone": "timezone", "title": "title"}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                participant_total=Count("participants", distinct=True),
                customer_total=_customers(),
                confirmed_total=_customers(confirmation=Confirmation.CONFIRMED),
                declined_total=_customers(confirmation=Confirmation.DECLINED),
            )
        )

    # Appointments come from the contact-center integration through the API,
    # which knows the organizer's agent id and the routing; the console does not invent them.
    def has_add_permission(self, request) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Cancelling replaces "delete selected": same service, with a page that says what it does.
        actions.pop("delete_selected", None)
        return actions

    # --- columns ---

    @admin.display(description="title", ordering="title")
    def title_or_id(self, appointment: Appointment) -> str:
        return str(appointment)

    @admin.display(description="start (local time)", ordering="start")
    def local_start(self, appointment: Appointment) -> str:
        return local_start(appointment).strftime(LOCAL_TIME_FORMAT)

    @admin.display(description="end (local time)")
    def local_end(self, appointment: Appointment) -> str:
        return local_time(appointment, appointment.end).strftime(LOCAL_TIME_FORMAT)

    @admin.display(description="duration", ordering="duration")
    def duration_display(self, appointment: Appointment) -> str:
        return format_duration_short(appointment.duration)

    @admin.display(description="organizer", ordering="organizer_id")
    def organizer(self, appointment: Appointment) -> str:
        return f"{appointment.organizer_id} ({appointment.organizer_type.lower()})"

    @admin.display(description="status")
    def status(self, appointment: Appointment) -> str:
        return status_of(appointment)

    @admin.display(description="attendance")
    def attendance(self, appointment: Appointment) -> str:
        return attendance_of(appointment)

    @admin.display(description="participants", ordering="participant_total")
    def participant_count(self, appointment: "WithAnnotations[Appointment, ParticipantTotal]") -> int:
        return appointment.participant_total

    @admin.display(description="confirmation")
    def confirmation(self, appointment: "WithAnnotations[Appointment, ParticipantTotal]") -> str:
        """The customers' answers to "will you attend?" (SMS reply or email link)."""
        return confirmation_summary(
            customers=appointment.customer_total,
            confirmed=appointment.confirmed_total,
            declined=appointment.declined_total,
        )

    # --- saving through the services ---

    def save_model(self, request, obj: Appointment, form, change: bool) -> None:
        if not change:
            raise PermissionDenied("appointments are scheduled through the API")
        self.ensure_in_scope(request, obj)
        console_principal(request, obj.application)
        data = form.cleaned_data
        with self.refusals_as_form_errors():
            # Both services re-read the row under its lock; `obj` only carries the id.
            services.appointment_update(appointment=obj, title=data["title"], notes=data["notes"])
            services.appointment_reschedule(
                appointment=obj, start=data["start"], duration=data["duration"], timezone=data["timezone"]
            )
        obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        # Participants belong to their appointment: appointment_delete removes them with it,
        # so the participant admin's own (absent) delete permission does not matter here.
        return deleted, counts, set(), protected

    def delete_model(self, request, obj: Appointment) -> None:
        self.ensure_in_scope(request, obj)
        services.appointment_delete(appointment=obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for appointment in queryset:
            self.delete_model(request, appointment)

    # --- actions, each behind a confirmation page ---

    @admin.action(
        description="Activate selected appointments (create their video rooms)", permissions=["change"]
    )
    def activate_selected(self, request, queryset: QuerySet):
        return confirm_action(
            self,
            request,
            queryset,
            action="activate_selected",
            title="Activate appointments",
            question="Create the video room of these appointments? Those already activated keep their room.",
            button="Yes, activate",
            perform=lambda appointment: self._perform(request, services.appointment_activate, appointment),
            done="Activated {count} appointment(s).",
        )

    @admin.action(description="End the interaction of selected appointments", permissions=["change"])
    def end_selected(self, request, queryset: QuerySet):
        return confirm_action(
            self,
            request,
            queryset,
            action="end_selected",
            title="End interactions",
            question="Mark the interaction of these appointments as complete?",
            button="Yes, end them",
            perform=lambda appointment: self._perform(request, services.appointment_end, appointment),
            done="Ended {count} appointment(s).",
        )

    @admin.action(description="Cancel selected appointments (notify and delete)", permissions=["delete"])
    def cancel_selected(self, request, queryset: QuerySet):
        return confirm_action(
            self,
            request,
            queryset,
            action="cancel_selected",
            title="Cancel appointments",
            question=(
                "Cancel these appointments? Their participants are sent CANCEL notifications and the "
                "appointments are deleted for good."
            ),
            button="Yes, cancel them",
            perform=lambda appointment: self._perform(request, services.appointment_delete, appointment),
            done="Cancelled {count} appointment(s).",
        )

    def _perform(self, request, service, appointment: Appointment):
        # The action's queryset is already scoped; asking again costs nothing and guards the service call.
        console_principal(request, appointment.application)
        return service(appointment=appointment)
