"""The console's notification templates, with a preview and a test send.

Templates are written through notifications.services, so the console refuses
exactly what the API refuses, with the same messages.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from appointments.admin import zone_choices
from core.errors import DomainError
from notifications import selectors, services
from notifications.admin.crud import ServiceCrudAdmin, not_found
from notifications.admin.replan import ReplanPreviewAdmin
from notifications.models import TIMED_TYPES, Channel, NotificationTemplate
from notifications.pipeline.policy import PlanningPolicy, policy_load, policy_with_template
from notifications.templating import rendering
from participants.contacts import normalize_phone
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


# What decides when, whether and how a REMINDER or ROOM template is sent.
PLANNING_FIELDS = frozenset({"type", "channel", "locale", "period", "active"})


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
            return normalize_phone(to)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ReplanPreviewAdmin, ServiceCrudAdmin, admin.ModelAdmin):
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

    def replan_application(self, obj: NotificationTemplate) -> Application:
        return obj.application

    def replan_proposal(self, request, obj, form) -> tuple[Application, PlanningPolicy] | None:
        """A REMINDER or ROOM template added, or changed in what decides when and whether it is sent."""
        values = self.service_values(form)
        stored = NotificationTemplate.objects.select_related("application").get(pk=obj.pk) if obj else None
        application = stored.application if stored else form.cleaned_data["application"]
        timed = values["type"] in TIMED_TYPES or (stored is not None and stored.type in TIMED_TYPES)
        changed = {name for name, value in values.items() if stored is None or getattr(stored, name) != value}
        if not timed or not changed & PLANNING_FIELDS:
            return None
        proposed = services.template_proposed(application=application, template=stored, values=values)
        return application, policy_with_template(policy_load(application=application), template=proposed)

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
            return not_found(self, request, object_id)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        zone_name = request.GET.get("timezone") or "UTC"
        try:
            zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone_name = "UTC"
        rendered = selectors.template_preview(template, timezone_name=zone_name)
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
            return not_found(self, request, object_id)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        form = TestSendForm(request.POST or None, channel=template.channel)
        if request.method == "POST" and form.is_valid():
            try:
                services.template_test_send(
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
