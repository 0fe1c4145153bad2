"""The console's side of re-planning: a preview before a save that changes how reminders are planned.

A template change (its period, activation, channel, type or locale) or the
application's notifications switch shapes only the deliveries planned afterwards.
Before saving such a change, the console shows what re-planning the booked
appointments would do (`replan_impact` with the proposed policy, nothing saved) and
offers two buttons: save and re-plan them (`appointments_replan`, the service the
`notifications_replan` command calls), or save only. Nothing is re-planned unasked.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from core.errors import DomainError
from notifications.pipeline.policy import PlanningPolicy
from notifications.pipeline.replan import ReplanSummary, appointments_replan, replan_impact
from tenants.models import Application

if TYPE_CHECKING:
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object

# The submit button of the preview page: "apply" saves and re-plans, "skip" only saves.
REPLAN_FIELD = "_replan"
_APPLICATION_ATTRIBUTE = "_replan_application"


class ReplanPreviewAdmin(_ModelAdminBase):
    """ModelAdmin mixin: preview a save's effect on booked appointments; re-plan them if asked.

    Subclasses say what a valid form proposes (`replan_proposal`) and which
    application a saved row belongs to (`replan_application`).
    """

    def replan_proposal(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> tuple[Application, PlanningPolicy] | None:
        """The application and the policy it would have after this save; None when planning is unaffected."""
        raise NotImplementedError

    def replan_application(self, obj: Any) -> Application:
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and REPLAN_FIELD not in request.POST:
            preview = self._replan_preview(request, object_id)
            if preview is not None:
                return preview
        response = super().changeform_view(request, object_id, form_url, extra_context)
        application = getattr(request, _APPLICATION_ATTRIBUTE, None)
        saved = isinstance(response, HttpResponseRedirect)
        if saved and application is not None and request.POST.get(REPLAN_FIELD) == "apply":
            summary = appointments_replan(application=application)
            messages.success(request, f"Re-planned the booked appointments: {summary.line()}.")
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        setattr(request, _APPLICATION_ATTRIBUTE, self.replan_application(obj))

    def _replan_preview(self, request: HttpRequest, object_id: str | None) -> HttpResponse | None:
        """The preview page, when the posted change would change booked appointments' deliveries."""
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        allowed = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        if (object_id and obj is None) or not allowed:
            return None  # the admin's own answer follows
        form = self.get_form(request, obj, change=obj is not None)(request.POST, request.FILES, instance=obj)
        if not form.is_valid():
            return None
        try:
            proposal = self.replan_proposal(request, obj, form)
        except DomainError:
            return None  # the save refuses it with the service's message
        if proposal is None:
            return None
        application, policy = proposal
        summary = replan_impact(application=application, policy=policy)
        if not summary.changed:
            return None
        return self._preview_response(request, obj, application, summary)

    def _preview_response(
        self, request: HttpRequest, obj: Any, application: Application, summary: ReplanSummary
    ) -> HttpResponse:
        posted = [
            (name, value)
            for name, values in request.POST.lists()
            if name != "csrfmiddlewaretoken"
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Re-plan the booked appointments?",
            "opts": self.opts,
            "original": obj,
            "application": application,
            "summary": summary,
            "posted": posted,
            "replan_field": REPLAN_FIELD,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/notifications/replan_preview.html", context)
