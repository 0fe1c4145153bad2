"""The console's notification settings: templates (with preview and test send), webhooks, senders.

Templates and webhook endpoints are written through notifications.services, so
the console refuses exactly what the API refuses, with the same messages.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from appointments.admin import zone_choices
from appointments.console import ServiceBackedAdmin
from core.errors import DomainError
from notifications import rendering, services
from notifications.models import (
    Channel,
    ChannelSender,
    NotificationTemplate,
    NotificationType,
    SenderVerification,
    VerificationStatus,
    WebhookEndpoint,
)
from notifications.phones import normalize_phone_number
from notifications.samples import sample_appointment, sample_organizer, sample_recipient, sample_start
from tenants.admin import ApplicationAdmin
from tenants.admin_scoping import TenantScopedAdmin, console_principal
from tenants.models import Application

# The API's field names in services' errors -> the admin form's fields.
TEMPLATE_FORM_FIELDS = {
    "subject": "subject",
    "textBody": "text_body",
    "htmlBody": "html_body",
    "locale": "locale",
    "period": "period",
    "type": "type",
    "channel": "channel",
}
SAMPLE_EMAIL = "bobby.ewing@example.com"
SAMPLE_PHONE = "+302102234988"


def _not_found(model_admin, request, object_id):
    # Django's own "doesn't exist" answer, the same for another tenant's row and for no row at all.
    return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)


# --- templates -----------------------------------------------------------------------


class ServiceCrudAdmin(ServiceBackedAdmin, TenantScopedAdmin):
    """Create, change and delete rows only through the app's services, never a bare save.

    Subclasses name the services (`service_create`, `service_update`,
    `service_delete`) and the values a form hands them (`service_values`).
    """

    def save_model(self, request, obj, form, change: bool) -> None:
        self.ensure_in_scope(request, obj)
        console_principal(request, obj.application)
        values = self.service_values(form)
        with self.refusals_as_form_errors():
            if change:
                # Compare with the stored row: the form already wrote its values onto `obj`, unchecked.
                current = type(obj).objects.get(pk=obj.pk)
                changed = {name: value for name, value in values.items() if getattr(current, name) != value}
                if changed:
                    self.service_update(current, **changed)
            else:
                created = self.service_create(application=obj.application, **values)
                obj.pk = created.pk
                obj._state.adding = False

    def delete_model(self, request, obj) -> None:
        self.ensure_in_scope(request, obj)
        self.service_delete(obj)

    def delete_queryset(self, request, queryset) -> None:
        for row in queryset:
            self.delete_model(request, row)


class NotificationTemplateForm(forms.ModelForm):
    locale = forms.ChoiceField(choices=lambda: [(locale, locale) for locale in rendering.supported_locales()])

    class Meta:
        model = NotificationTemplate
        fields = [
            "application",
            "type",
            "channel",
            "locale",
            "period",
            "subject",
            "text_body",
            "html_body",
            "active",
        ]
        help_texts = {
            "period": "REMINDER and ROOM only: how long before the start, e.g. 1 00:00:00 for a day.",
            "text_body": "Tags such as {{firstName}}, {{title}}, {{dd-MM-yyyy}} {{time24}} {{zone}}.",
        }


class TestSendForm(forms.Form):
    """Where a test message goes; `channel` decides whether that is an email address or a phone number."""

    to = forms.CharField(label="Send to", max_length=254)
    timezone = forms.ChoiceField(
        label="Time zone of the sample appointment", choices=zone_choices, initial="UTC"
    )

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["to"].help_text = (
            "An email address."
            if channel == Channel.EMAIL
            else "A phone number in E.164, e.g. +302102234988."
        )

    def clean_to(self):
        to = self.cleaned_data["to"].strip()
        if self.channel == Channel.EMAIL:
            validate_email(to)
            return to
        try:
            return normalize_phone_number(to)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ServiceCrudAdmin, admin.ModelAdmin):
    form = NotificationTemplateForm
    change_form_template = "admin/notifications/notificationtemplate/change_form.html"
    list_display = ["__str__", "type", "channel", "locale", "period", "active", "application", "updated_at"]
    list_filter = ["type", "channel", "active", "locale", "application"]
    list_select_related = ["application"]
    search_fields = ["subject", "text_body", "locale"]
    readonly_fields = ["id", "created_at", "updated_at"]
    service_field_names = TEMPLATE_FORM_FIELDS

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # A template belongs to its application for good: copy it to move it.
        return [*readonly, "application"] if obj is not None else readonly

    def service_values(self, form) -> dict:
        data = form.cleaned_data
        return {name: data[name] for name in services.TEMPLATE_FIELDS if name in data}

    def service_create(self, *, application, **values) -> NotificationTemplate:
        return services.template_create(application=application, **values)

    def service_update(self, obj: NotificationTemplate, **changed) -> None:
        services.template_update(template=obj, **changed)

    def service_delete(self, obj: NotificationTemplate) -> None:
        services.template_delete(template=obj)

    def get_urls(self):
        app_label, model_name = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name=f"{app_label}_{model_name}_preview",
            ),
            path(
                "<path:object_id>/test-send/",
                self.admin_site.admin_view(self.test_send_view),
                name=f"{app_label}_{model_name}_test_send",
            ),
            *super().get_urls(),
        ]

    def _template_or_none(self, request, object_id) -> NotificationTemplate | None:
        # get_object() reads through the scoped queryset: another tenant's template is None.
        return self.get_object(request, object_id)

    def preview_view(self, request, object_id):
        template = self._template_or_none(request, object_id)
        if template is None:
            return _not_found(self, request, object_id)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        zone_name = request.GET.get("timezone") or "UTC"
        try:
            zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone_name = "UTC"
        rendered = template_preview(template, timezone_name=zone_name)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview of {template}",
            "opts": self.opts,
            "original": template,
            "rendered": rendered,
            "timezone": zone_name,
            "zones": [name for name, _ in zone_choices()],
            "can_test_send": self.has_change_permission(request, template),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/notifications/notificationtemplate/preview.html", context)

    def test_send_view(self, request, object_id):
        template = self._template_or_none(request, object_id)
        if template is None:
            return _not_found(self, request, object_id)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        form = TestSendForm(request.POST or None, channel=template.channel)
        if request.method == "POST" and form.is_valid():
            try:
                template_test_send(
                    template, to=form.cleaned_data["to"], timezone_name=form.cleaned_data["timezone"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"A test {template.channel} message went to {form.cleaned_data['to']}."
                )
                return redirect(
                    reverse("admin:notifications_notificationtemplate_change", args=[template.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Send a test of {template}",
            "opts": self.opts,
            "original": template,
            "form": form,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/notifications/notificationtemplate/test_send.html", context)


def template_preview(template: NotificationTemplate, *, timezone_name: str) -> rendering.RenderedMessage:
    """The template rendered with the sample appointment, in the template's locale."""
    start = sample_start(now=timezone.now(), period=template.period)
    appointment = sample_appointment(
        application=template.application, start=start, timezone=timezone_name, locale=template.locale
    )
    recipient = sample_recipient(appointment, email=SAMPLE_EMAIL, phone=SAMPLE_PHONE)
    context = rendering.build_context(
        appointment=appointment,
        recipient=recipient,
        organizer=sample_organizer(appointment),
        locale=template.locale,
    )
    return rendering.render_message(
        subject=template.subject, text_body=template.text_body, html_body=template.html_body, context=context
    )


def template_test_send(template: NotificationTemplate, *, to: str, timezone_name: str):
    """Send the template now, exactly as POST /api/notifications/emails/test (or sms/test) would."""
    return services.notification_test_send(
        application=template.application,
        channel=template.channel,
        to=to,
        type=template.type,
        locale=template.locale,
        timezone_name=timezone_name,
        period=template.period,
        subject=template.subject,
        text_body=template.text_body,
        html_body=template.html_body,
    )


# --- webhook endpoints -------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=NotificationType.choices, widget=forms.CheckboxSelectMultiple)
    # Write-only: the secret signs every delivery and is never shown again.
    new_secret = forms.CharField(
        label="Secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="At least 16 characters. Never shown again; leave empty to keep the current one.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["application", "url", "events", "active"]

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and not cleaned.get("new_secret"):
            self.add_error("new_secret", "A new endpoint needs a secret.")
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceCrudAdmin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "event_list", "active", "application", "updated_at"]
    list_filter = ["active", "application"]
    list_select_related = ["application"]
    search_fields = ["url"]
    readonly_fields = ["id", "created_at", "updated_at"]
    fields = ["application", "url", "events", "new_secret", "active", "id", "created_at", "updated_at"]
    service_field_names = {"url": "url", "events": "events", "secret": "new_secret", "active": "active"}

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            # A read-only page would show the field's value: the secret is never shown.
            fields.remove("new_secret")
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "application"] if obj is not None else readonly

    def service_values(self, form) -> dict:
        data = form.cleaned_data
        values = {"url": data["url"], "events": list(data["events"]), "active": data["active"]}
        if data.get("new_secret"):
            values["secret"] = data["new_secret"]
        return values

    def service_create(self, *, application, **values) -> WebhookEndpoint:
        return services.webhook_endpoint_create(application=application, **values)

    def service_update(self, obj: WebhookEndpoint, **changed) -> None:
        services.webhook_endpoint_update(endpoint=obj, **changed)

    def service_delete(self, obj: WebhookEndpoint) -> None:
        services.webhook_endpoint_delete(endpoint=obj)


# --- senders ---------------------------------------------------------------------------


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

# The delivery log and SMS opt-outs live in their own module; importing it registers them.
from notifications import admin_deliveries  # noqa: E402, F401
