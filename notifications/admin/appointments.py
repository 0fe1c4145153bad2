"""What notifications add to the console's appointment page: the "resend notifications" action.

The appointments app knows nothing of notifications (it sits below them), so
this app extends its admin and registers the extension in its place, as the
senders page does for Applications.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from appointments.admin import AppointmentAdmin
from appointments.models import Appointment
from core.console import confirm_action
from notifications.models import NotificationType
from notifications.pipeline.resend import appointment_notifications_resend
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
