"""The console's delivery log and SMS opt-outs.

The delivery log is an audit trail: nobody adds, edits or deletes its rows in
the console. Its one action, "retry failed deliveries", writes no old row
either: notifications.pipeline.resend.deliveries_retry queues a fresh row per
FAILED one, so the log keeps what happened. Opt-outs are removed only through
notifications.pipeline.feedback.sms_opt_in.
"""

import uuid

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timezone import localtime

from core.console import confirm_action
from core.errors import Conflict
from notifications.models import Delivery, DeliveryStatus, SmsOptOut
from notifications.pipeline.feedback import sms_opt_in
from notifications.pipeline.resend import deliveries_retry
from notifications.pipeline.states import OUTCOME_UNKNOWN_ERRORS
from tenants.admin_scoping import TenantScopedAdmin, console_principal

LAST_ERROR_LENGTH = 80

# What the reconciler writes on an email or SMS whose worker died mid-send: it
# may or may not have reached the person, so it was failed rather than sent twice.
LOST_WORKER_ERRORS = OUTCOME_UNKNOWN_ERRORS


class FailureFilter(admin.SimpleListFilter):
    """Tells apart failures a supervisor should look at before retrying: a lost worker may have sent."""

    title = "failure"
    parameter_name = "failure"
    LOST, PROVIDER = "lost-worker", "provider"

    def lookups(self, request, model_admin):
        return [
            (self.LOST, "Worker lost mid-send (may have been sent)"),
            (self.PROVIDER, "Refused or unreachable provider"),
        ]

    def queryset(self, request, queryset):
        failed = queryset.filter(status=DeliveryStatus.FAILED)
        if self.value() == self.LOST:
            return failed.filter(last_error__in=LOST_WORKER_ERRORS)
        if self.value() == self.PROVIDER:
            return failed.exclude(last_error__in=LOST_WORKER_ERRORS)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_display = [
        "appointment",
        "type",
        "channel",
        "recipient",
        "served",
        "status",
        "attempts",
        "due_at",
        "held",
        "sent_at",
        "last_error_short",
        "provider_status",
        "fallback",
        "application",
    ]
    list_display_links = ["type"]
    list_filter = ["status", FailureFilter, "type", "channel", "application"]
    list_select_related = ["application"]
    search_fields = ["recipient", "appointment_id"]
    date_hierarchy = "due_at"
    ordering = ["-due_at", "id"]
    actions = ["retry_failed"]
    # The snapshot of a CANCEL holds the rendered message: shown, as everything else, read-only.
    readonly_fields = [
        "id",
        "application",
        "appointment_id",
        "appointment_version",
        "type",
        "channel",
        "recipient",
        "participant_id",
        "participants_served",
        "locale",
        "template",
        "webhook_endpoint",
        "status",
        "due_at",
        "original_due_at",
        "due_note",
        "attempts",
        "max_attempts",
        "sent_at",
        "last_error",
        "cancel_reason",
        "provider_message_id",
        "provider_status",
        "fallback_of_link",
        "fallen_back_to_link",
        "snapshot",
        "created_at",
        "updated_at",
    ]
    fields = list(readonly_fields)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        # The email an SMS fell back to, read in the list's own query (one at most: delivery_one_fallback).
        fallback = Delivery.objects.filter(fallback_of=OuterRef("pk")).values("pk")[:1]
        return super().get_queryset(request).annotate(fallen_back_to_id=Subquery(fallback))

    @admin.display(description="fallback")
    def fallback(self, delivery: Delivery) -> str:
        """An email standing in for an SMS, or an SMS that fell back to email: the other row, linked."""
        if delivery.fallback_of_id:
            return _delivery_link(delivery.fallback_of_id, "instead of SMS")
        fallen_back_to = getattr(delivery, "fallen_back_to_id", None)
        return _delivery_link(fallen_back_to, "sent by email") if fallen_back_to else ""

    @admin.display(description="fallback of")
    def fallback_of_link(self, delivery: Delivery) -> str:
        """The SMS this email replaces, because the SMS did not reach the recipient."""
        return (
            _delivery_link(delivery.fallback_of_id, str(delivery.fallback_of_id))
            if delivery.fallback_of_id
            else "-"
        )

    @admin.display(description="fallen back to")
    def fallen_back_to_link(self, delivery: Delivery) -> str:
        """The email that went instead of this SMS."""
        fallen_back_to = getattr(delivery, "fallen_back_to_id", None)
        return _delivery_link(fallen_back_to, str(fallen_back_to)) if fallen_back_to else "-"

    @admin.display(description="appointment", ordering="appointment_id")
    def appointment(self, delivery: Delivery) -> str:
        # By value: the appointment may be gone (its CANCEL outlives it); the link then says so.
        url = reverse("admin:appointments_appointment_change", args=[delivery.appointment_id])
        return format_html('<a href="{}">{}</a>', url, delivery.appointment_id)

    @admin.display(description="served")
    def served(self, delivery: Delivery) -> str:
        # How many participants share this message's address; blank for webhooks.
        return str(len(delivery.participant_ids)) if delivery.participant_ids else ""

    @admin.display(description="participants served")
    def participants_served(self, delivery: Delivery) -> str:
        """Everyone this one message reaches: customers who share an address get it once."""
        return ", ".join(delivery.participant_ids) or "-"

    @admin.display(description="moved from", ordering="original_due_at")
    def held(self, delivery: Delivery) -> str:
        """The first due time of a row a rule moved (quiet hours), and why."""
        if delivery.original_due_at is None:
            return ""
        when = date_format(localtime(delivery.original_due_at), "DATETIME_FORMAT")
        return format_html("{} ({})", when, delivery.due_note)

    @admin.display(description="last error", ordering="last_error")
    def last_error_short(self, delivery: Delivery) -> str:
        if not delivery.last_error:
            return ""
        return format_html(
            '<span title="{}">{}</span>',
            delivery.last_error,
            Truncator(delivery.last_error).chars(LAST_ERROR_LENGTH),
        )

    # Supervisors hold only the view permission on deliveries (tenants/supervisors.py):
    # retrying rewrites no row of the log, it adds fresh ones, so viewing the log is enough.
    @admin.action(description="Retry failed deliveries", permissions=["view"])
    def retry_failed(self, request, queryset: QuerySet):
        failed = queryset.filter(status=DeliveryStatus.FAILED)
        if not failed.exists():
            messages.warning(request, "None of the selected deliveries failed: nothing to retry.")
            return None
        lost = failed.filter(last_error__in=LOST_WORKER_ERRORS).count()
        question = (
            "Send these failed deliveries again? Each is queued as a new delivery, due now; "
            "the failed ones stay in the log as they are. Selected deliveries that did not fail "
            "are left alone."
        )
        if lost:
            question += (
                f" {lost} of them failed because their worker was lost while sending: "
                "the person may already have it and would receive it twice."
            )
        return confirm_action(
            self,
            request,
            failed,
            action="retry_failed",
            title="Retry failed deliveries",
            question=question,
            button="Yes, send them again",
            perform=lambda delivery: self._retry(request, delivery),
            done="Queued {count} failed delivery(ies) again.",
        )

    def _retry(self, request, delivery: Delivery):
        # The action's queryset is already scoped; this guards the service call itself.
        console_principal(request, delivery.application)
        summary = deliveries_retry(deliveries=[delivery])
        if summary.skipped:
            # Only a CANCEL carries what it sends; anything else needs the appointment.
            raise Conflict("the appointment no longer exists: only its CANCEL could be sent")
        return summary


def _delivery_link(delivery_id: uuid.UUID, label: str) -> str:
    url = reverse("admin:notifications_delivery_change", args=[delivery_id])
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(SmsOptOut)
class SmsOptOutAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Numbers that answered STOP. Opting back in removes the row through sms_opt_in."""

    list_display = ["phone", "reason", "created_at", "application"]
    list_filter = ["application"]
    list_select_related = ["application"]
    search_fields = ["phone"]
    date_hierarchy = "created_at"
    readonly_fields = ["phone", "reason", "application", "created_at"]
    fields = list(readonly_fields)
    actions = ["opt_back_in"]

    def has_add_permission(self, request) -> bool:
        # Opt-outs come from the person (a STOP reply reported by Twilio), never from the console.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        # "Opt back in" replaces "delete selected": same effect, said as what it means.
        actions.pop("delete_selected", None)
        return actions

    # Opting back in deletes the opt-out row: it needs the delete permission on SMS opt-outs.
    @admin.action(description="Opt back in (the person asked for SMS again)", permissions=["delete"])
    def opt_back_in(self, request, queryset: QuerySet):
        return confirm_action(
            self,
            request,
            queryset,
            action="opt_back_in",
            title="Opt numbers back in",
            question=(
                "Send SMS to these numbers again? Do this only when the person asked for it "
                "(for example by answering START)."
            ),
            button="Yes, opt them back in",
            perform=lambda opt_out: self.delete_model(request, opt_out),
            done="Opted {count} number(s) back in.",
        )

    def delete_model(self, request, obj: SmsOptOut) -> None:
        # The page's Delete button means the same as the action.
        self.ensure_in_scope(request, obj)
        console_principal(request, obj.application)
        sms_opt_in(application=obj.application, phone=obj.phone)

    def delete_queryset(self, request, queryset) -> None:
        for opt_out in queryset:
            self.delete_model(request, opt_out)
