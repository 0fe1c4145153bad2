"""The console's webhook endpoints, written through notifications.services like the API's."""

from typing import Any, cast

from django import forms
from django.contrib import admin

from notifications import services
from notifications.admin.crud import ServiceCrudAdmin
from notifications.models import WebhookEndpoint, WebhookEvent


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
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
        cleaned = cast(dict[str, Any], super().clean())  # a ModelForm's clean() returns cleaned_data
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
