"""What the console's admins share: saves through services, and actions behind a confirmation page.

Admins of this project never write rows themselves: their save_model and
actions call the same services as the REST API. Two pieces make that fit the
Django admin:

- ServiceBackedAdmin turns a service's refusal (core.errors.DomainError) raised
  in save_model into errors on the change form. The admin runs the save in one
  transaction; the refusal rolls all of it back, and the form is shown again
  with the service's message on the field it names.
- confirm_action() puts an intermediate page (the selected rows, an optional
  small form, a confirm button) in front of an action, like "delete selected".
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.template.response import TemplateResponse

from core.errors import DomainError

if TYPE_CHECKING:
    # ServiceBackedAdmin only ever sits in front of admin.ModelAdmin.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object

_REFUSAL_ATTRIBUTE = "_console_service_refusal"


class ServiceRefused(Exception):
    """Carries a DomainError out of save_model, through the admin's transaction, which it rolls back."""

    def __init__(self, error: DomainError):
        super().__init__(error.message)
        self.error = error


class ServiceBackedAdmin(_ModelAdminBase):
    """ModelAdmin mixin for admins whose save_model calls services.

    In save_model, wrap the service calls in `with self.refusals_as_form_errors():`.
    `service_field_names` maps the field names of the services' errors (the
    API's names, e.g. "textBody") to the form's fields; errors on other names
    are shown above the form.
    """

    service_field_names: dict[str, str] = {}

    def refusals_as_form_errors(self):
        return _RefusalsAsFormErrors()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The admin's transaction is rolled back: nothing of the save is left.
            # Run the view again; the form now carries the refusal as its errors.
            setattr(request, _REFUSAL_ATTRIBUTE, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL_ATTRIBUTE, None)
        if refusal is None:
            return form_class
        errors = self.form_errors_of(refusal)

        class RefusedForm(form_class):  # type: ignore[valid-type, misc]  # a base known only at run time
            def clean(self):
                cleaned = super().clean()
                for name, field_messages in errors.items():
                    if name in self.fields:
                        self.add_error(name, field_messages)
                    else:
                        # A rule about the whole change, or a field this form does not show.
                        prefix = f"{name}: " if name else ""
                        self.add_error(None, [f"{prefix}{message}" for message in field_messages])
                return cleaned

        return RefusedForm

    def form_errors_of(self, error: DomainError) -> dict[str | None, list[str]]:
        """The refusal's messages keyed by form field (None: about the whole form)."""
        if not error.fields:
            return {None: [error.message]}
        errors: dict[str | None, list[str]] = {}
        for name, field_messages in error.fields.items():
            errors.setdefault(self.service_field_names.get(name, name), []).extend(field_messages)
        return errors


class _RefusalsAsFormErrors:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc is not None and isinstance(exc, DomainError):
            raise ServiceRefused(exc) from exc
        return False


def confirm_action(
    model_admin,
    request,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    question: str,
    button: str,
    perform: Callable[..., object],
    done: str,
    form_class: type[forms.Form] | None = None,
):
    """Ask first, then call `perform(obj, **form.cleaned_data)` for each selected row.

    The first call (from the action drop-down) answers the confirmation page;
    its form posts back to the same action with `confirm=yes`, which performs
    it. Each row goes through its own service call; one that a service refuses
    is reported and the others still happen. Returns None when done, so that
    the admin goes back to the change list with the messages.
    """
    confirmed = request.POST.get("confirm") == "yes"
    form = None
    if form_class is not None:
        form = form_class(request.POST if confirmed else None)
    if confirmed and (form is None or form.is_valid()):
        options = form.cleaned_data if form is not None else {}
        succeeded, refused = 0, []
        for obj in queryset:
            try:
                perform(obj, **options)
            except DomainError as exc:
                refused.append(f"{obj}: {exc.message}")
            else:
                succeeded += 1
        if succeeded:
            messages.success(request, done.format(count=succeeded))
        for line in refused:
            messages.error(request, line)
        return None
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "button": button,
        "objects": list(queryset),
        "action": action,
        "form": form,
        "opts": opts,
        "app_label": opts.app_label,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media + (form.media if form is not None else forms.Media()),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/console/confirm_action.html", context)
