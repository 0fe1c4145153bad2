"""The console's senders: shown with their verification state, changed only by the one-time code flow.

Each email sender also shows which From its mail carries and why: the
application's domain once proven (by the code's address or a DNS TXT record),
the service's own address otherwise. "Re-check DNS" looks for the record again.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.console import confirm_action
from notifications.admin.replan import ReplanPreviewAdmin
from notifications.models import (
    Channel,
    ChannelSender,
    DomainProof,
    SenderVerification,
    VerificationStatus,
    service_email_address,
)
from notifications.pipeline.policy import PlanningPolicy, policy_load, policy_with_notifications
from notifications.pipeline.replan import appointments_replan, replan_impact
from notifications.senders.domains import DnsLookupFailed, txt_record
from notifications.senders.services import sender_domain_recheck
from tenants.admin import ApplicationAdmin
from tenants.admin_scoping import TenantScopedAdmin
from tenants.models import Application


@admin.register(ChannelSender)
class ChannelSenderAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Senders become verified only through the one-time code flow: shown, never edited."""

    list_display = ["application", "channel", "domain", "from_name", "from_number", "verified_at", "sends_as"]
    list_filter = ["channel", "domain_proven_by", "application"]
    list_select_related = ["application"]
    search_fields = ["domain", "from_number"]
    actions = ["recheck_dns"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="sends as")
    def sends_as(self, sender: ChannelSender) -> str:
        if sender.channel != Channel.EMAIL:
            return sender.from_number
        return email_from_state(sender, application_name=sender.application.name)

    # Re-checking changes nothing an admin chose, it only re-reads DNS: whoever sees the sender may ask.
    @admin.action(description="Re-check DNS of selected email senders", permissions=["view"])
    def recheck_dns(self, request: HttpRequest, queryset: QuerySet) -> None:
        for sender in queryset.filter(channel=Channel.EMAIL).select_related("application"):
            try:
                sender = sender_domain_recheck(sender=sender)
            except DnsLookupFailed as exc:
                self.message_user(request, f"{sender.domain}: {exc}; nothing changed", messages.ERROR)
                continue
            state = email_from_state(sender, application_name=sender.application.name)
            self.message_user(request, f"{sender.domain}: {state}")


@admin.register(SenderVerification)
class SenderVerificationAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_display = ["application", "channel", "sent_to", "status", "attempts", "expires_at", "created_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["application"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def email_from_state(sender: ChannelSender, *, application_name: str) -> str:
    """Which From the sender's mail carries, and why."""
    headers = sender.email_headers(application_name=application_name)
    if sender.domain_proven_by == DomainProof.ADDRESS:
        return f"domain proven by the code's address ({sender.verified_with}): sends as {headers.from_header}"
    if sender.domain_proven_by == DomainProof.DNS:
        return f"domain proven by DNS TXT {txt_record(sender.dns_token)}: sends as {headers.from_header}"
    service_domain = service_email_address().rpartition("@")[2]
    reply = f", reply-to {headers.reply_to}" if headers.reply_to else ""
    how = (
        f"publish the TXT record {txt_record(sender.dns_token)} at {sender.domain} and re-check DNS"
        if sender.dns_token
        else "verify it again with a code sent to an address of the domain"
    )
    sending = f"sending from {service_domain} as {headers.from_header}{reply}"
    return f"not proven: {sending}; to send from {sender.domain}, {how}"


def _pending_state(verification: SenderVerification) -> str:
    if verification.channel != Channel.EMAIL:
        return f"; verification of {verification.from_number} pending (code sent to {verification.sent_to})"
    return (
        f"; verification of {verification.domain} pending (code sent to {verification.sent_to}); "
        f"to prove the domain by DNS, publish the TXT record {txt_record(verification.dns_token)} "
        f"at {verification.domain} before confirming"
    )


def replan_question(applications: QuerySet) -> str:
    """What re-planning the applications' booked appointments under their current policy would do."""
    added = moved = cancelled = appointments = 0
    for application in applications:
        summary = replan_impact(application=application, policy=policy_load(application=application))
        added, moved, cancelled = added + summary.added, moved + summary.moved, cancelled + summary.cancelled
        appointments += summary.appointments
    return (
        "Re-plan the pending reminders and room links of these applications' booked appointments under "
        f"their templates and settings as they are now? Of {appointments} future appointment(s), this adds "
        f"{added}, moves {moved} and cancels {cancelled} pending deliveries; those already sent, or being "
        "sent, stay as they are."
    )


def sender_states(application: Application) -> list[tuple[str, str, str, str]]:
    """(channel, identity, state, sends as) per channel: verified, pending verification, or not set up."""
    senders = {sender.channel: sender for sender in ChannelSender.objects.filter(application=application)}
    pending = {}
    for verification in SenderVerification.objects.filter(
        application=application, status=VerificationStatus.PENDING, expires_at__gt=timezone.now()
    ).order_by("created_at"):
        pending[verification.channel] = verification  # The newest wins.
    rows = []
    for channel in Channel:
        sender = senders.get(channel)
        if sender is not None:
            identity = (
                f"{sender.from_name} <{sender.email_address}>".strip()
                if channel == Channel.EMAIL
                else sender.from_number
            )
            state = f"Verified {sender.verified_at:%d %b %Y %H:%M %Z}" + (
                f" (code sent to {sender.verified_with})" if sender.verified_with else ""
            )
            sends_as = (
                email_from_state(sender, application_name=application.name)
                if channel == Channel.EMAIL
                else sender.from_number
            )
        else:
            identity, state, sends_as = "—", "Not verified: this channel sends nothing", "—"
        waiting = pending.get(channel)
        if waiting is not None:
            state += _pending_state(waiting)
        rows.append((channel.label, identity, state, sends_as))
    return rows


class ApplicationConsoleAdmin(ReplanPreviewAdmin, ApplicationAdmin):
    """The Applications admin with the application's senders, read-only, and their verification state.

    Switching the application's notifications on or off shows first what re-planning its
    booked appointments would do (ReplanPreviewAdmin).
    """

    actions = ["replan_booked"]

    def replan_application(self, obj: Application) -> Application:
        return obj

    @admin.action(description="Re-plan notifications of booked appointments", permissions=["change"])
    def replan_booked(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        done: list[str] = []
        confirming = request.POST.get("confirm") == "yes"
        response = confirm_action(
            self,
            request,
            queryset,
            action="replan_booked",
            title="Re-plan notifications of booked appointments",
            question="" if confirming else replan_question(queryset),
            button="Yes, re-plan them",
            perform=lambda application: done.append(
                f"{application}: {appointments_replan(application=application).line()}"
            ),
            done="Re-planned the booked appointments of {count} application(s).",
        )
        for line in done:
            messages.info(request, line)
        return response

    def replan_proposal(self, request, obj, form) -> tuple[Application, PlanningPolicy] | None:
        if obj is None or "notifications_active" not in form.changed_data:
            return None
        stored = Application.objects.get(pk=obj.pk)
        policy = policy_with_notifications(
            policy_load(application=stored), active=form.cleaned_data["notifications_active"]
        )
        return stored, policy

    readonly_fields = [*ApplicationAdmin.readonly_fields, "sender_settings"]
    fieldsets = [
        *ApplicationAdmin.fieldsets[:2],
        (
            "Senders",
            {
                "fields": ["sender_settings"],
                "description": "Senders change only through the verification API (emails/verify, sms/verify)",
            },
        ),
        *ApplicationAdmin.fieldsets[2:],
    ]

    @admin.display(description="sender settings")
    def sender_settings(self, application: Application) -> str:
        if application.pk is None:
            return "—"
        rows = format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>", sender_states(application)
        )
        return format_html(
            '<table class="sender-settings"><thead><tr><th>Channel</th><th>Sender</th>'
            "<th>Verification</th><th>Sends as</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


# tenants.admin registered the plain Applications admin; the console's adds the senders.
admin.site.unregister(Application)
admin.site.register(Application, ApplicationConsoleAdmin)
