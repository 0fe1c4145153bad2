"""What notifications add to the console's appointment page: its deliveries and "resend notifications".

The appointments app knows nothing of notifications (it sits below them), so
this app extends its admin and registers the extension in its place, as the
senders page does for Applications.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from appointments.admin import AppointmentAdmin
from appointments.models import Appointment
from core.console import confirm_action
from notifications.models import NotificationType
from notifications.pipeline.resend import appointment_notifications_resend
from notifications.selectors import delivery_status_counts
from tenants.admin_scoping import console_principal


class ResendNotificationsForm(forms.Form):
    """What the "resend notifications" action asks on its confirmation page: which type to send again."""

    type = forms.ChoiceField(
        label="Notification to send again",
        choices=NotificationType.choices,
        initial=NotificationType.UPDATE,
        help_text="Sent again to every participant of the selected appointments, as it would be now.",
    )


class AppointmentNotificationsAdmin(AppointmentAdmin):
    actions = ["activate_selected", "resend_notifications", "end_selected", "cancel_selected"]
    readonly_fields = [*AppointmentAdmin.readonly_fields, "deliveries"]
    fieldsets = [
        *AppointmentAdmin.fieldsets[:-1],
        ("Notifications", {"fields": ["deliveries"]}),
        AppointmentAdmin.fieldsets[-1],
    ]

    @admin.display(description="deliveries")
    def deliveries(self, appointment: Appointment) -> str:
        """How many deliveries the appointment has, by status, linked to them in the delivery log."""
        counts = delivery_status_counts(appointment=appointment)
        if not counts:
            return "None yet."
        url = f"{reverse('admin:notifications_delivery_changelist')}?appointment_id={appointment.pk}"
        summary = ", ".join(f"{count} {status.lower()}" for status, count in counts.items())
        return format_html('<a href="{}">{} in the delivery log</a> ({})', url, sum(counts.values()), summary)

    @admin.action(description="Resend notifications of selected appointments", permissions=["change"])
    def resend_notifications(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        queued = []
        response = confirm_action(
            self,
            request,
            queryset,
            action="resend_notifications",
            title="Resend notifications",
            question=(
                "Send a notification of these appointments again? Every recipient it went to "
                "(participants, webhook endpoints) gets it once more, rendered from the appointment as "
                "it is now; the earlier deliveries stay in the delivery log as they are."
            ),
            button="Yes, send again",
            perform=lambda appointment, type: queued.append(self._resend(request, appointment, type)),
            done="Resent the notifications of {count} appointment(s).",
            form_class=ResendNotificationsForm,
        )
        if queued:
            messages.info(request, f"{sum(queued)} delivery(ies) queued; see the delivery log.")
        return response

    def _resend(self, request: HttpRequest, appointment: Appointment, type: str) -> int:
        console_principal(request, appointment.application)
        return appointment_notifications_resend(appointment=appointment, type=type)


admin.site.unregister(Appointment)
admin.site.register(Appointment, AppointmentNotificationsAdmin)
