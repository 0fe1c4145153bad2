"""What the notification settings' admins share: create, change and delete only through services."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from core.console import ServiceBackedAdmin
from tenants.admin_scoping import TenantScopedAdmin, console_principal


def not_found(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """Django's own "doesn't exist" answer, the same for another tenant's row and for no row at all."""
    # A private ModelAdmin method that django-stubs does not declare.
    return model_admin._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
        request, model_admin.opts, object_id
    )


class ServiceCrudAdmin(ServiceBackedAdmin, TenantScopedAdmin):
    """Create, change and delete rows only through the app's services, never a bare save.

    Subclasses name the services (`service_create`, `service_update`,
    `service_delete`) and the values a form hands them (`service_values`).
    """

    if TYPE_CHECKING:

        def service_values(self, form: forms.ModelForm) -> dict[str, Any]: ...
        def service_create(self, *, application: Any, **values: Any) -> models.Model: ...
        def service_update(self, obj: Any, **changed: Any) -> None: ...
        def service_delete(self, obj: Any) -> None: ...

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
