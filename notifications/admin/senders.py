"""The console's senders: shown with their verification state, changed only by the one-time code flow."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from notifications.models import Channel, ChannelSender, SenderVerification, VerificationStatus
from tenants.admin import ApplicationAdmin
from tenants.admin_scoping import TenantScopedAdmin
from tenants.models import Application


@admin.register(ChannelSender)
class ChannelSenderAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Senders become verified only through the one-time code flow: shown, never edited."""

    list_display = ["application", "channel", "domain", "from_name", "from_number", "verified_at"]
    list_filter = ["channel", "application"]
    list_select_related = ["application"]
    search_fields = ["domain", "from_number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


def sender_states(application: Application) -> list[tuple[str, str, str]]:
    """(channel, identity, state) for each channel: verified, pending verification, or not set up."""
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
        else:
            identity, state = "—", "Not verified: this channel sends nothing"
        waiting = pending.get(channel)
        if waiting is not None:
            target = waiting.domain if channel == Channel.EMAIL else waiting.from_number
            state += f"; verification of {target} pending (code sent to {waiting.sent_to})"
        rows.append((channel.label, identity, state))
    return rows


class ApplicationConsoleAdmin(ApplicationAdmin):
    """The Applications admin with the application's senders, read-only, and their verification state."""

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
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", sender_states(application))
        return format_html(
            '<table class="sender-settings"><thead><tr><th>Channel</th><th>Sender</th>'
            "<th>Verification</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


# tenants.admin registered the plain Applications admin; the console's adds the senders.
admin.site.unregister(Application)
admin.site.register(Application, ApplicationConsoleAdmin)
