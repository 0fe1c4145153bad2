"""Admin classes that show a supervisor only the rows of the applications they supervise.

Superusers see everything. Any other staff user sees the rows whose application
is one of their SupervisorMembership rows, and nothing else: in change lists,
change forms, foreign-key choices, list filters, search, actions, history and
delete pages. Another application's object opened by URL is "not found" (the
admin's "doesn't exist" redirect), so its existence does not leak.

Use:

    @admin.register(Appointment)
    class AppointmentAdmin(TenantScopedAdmin, admin.ModelAdmin):
        application_lookup = "application"          # the default

    class ParticipantInline(TenantScopedInline, admin.TabularInline):
        model = Participant

    class DeliveryAdmin(TenantScopedAdmin, admin.ModelAdmin):
        application_lookup = "appointment__application"
"""

import uuid
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from tenants.models import Application
from tenants.principal import Principal
from tenants.roles import Role
from tenants.supervisors import supervised_application_ids

if TYPE_CHECKING:
    # The mixins below only ever sit in front of these admin classes (see the module docstring).
    from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin

    _AdminBase = BaseModelAdmin[Any]
    _ModelAdminBase = admin.ModelAdmin[Any]
    _InlineBase = InlineModelAdmin[Any, Any]
else:
    _AdminBase = _ModelAdminBase = _InlineBase = object

_CACHE_ATTRIBUTE = "_admin_application_ids"


def allowed_application_ids(request: HttpRequest) -> frozenset[uuid.UUID] | None:
    """The applications the request's user may see in the admin; None means all of them.

    Read once per request: every permission check of a page shares it, which
    keeps a change list at a constant number of queries.
    """
    if request.user.is_superuser:
        return None
    ids = getattr(request, _CACHE_ATTRIBUTE, None)
    if ids is None:
        ids = supervised_application_ids(user=request.user) if request.user.is_staff else frozenset()
        setattr(request, _CACHE_ATTRIBUTE, ids)
    return ids


def has_application_key(model: type[models.Model]) -> bool:
    """Whether `model` has the `application` foreign key of a tenant-owned row."""
    try:
        field = model._meta.get_field("application")
    except FieldDoesNotExist:
        return False
    return bool(field.many_to_one) and issubclass(cast(type, field.related_model), Application)


def _attname(obj: models.Model, name: str) -> str:
    """The attribute holding field `name`'s value (`appointment_id` for the foreign key `appointment`)."""
    return cast(models.Field, obj._meta.get_field(name)).attname


def application_id_of(obj: models.Model, lookup: str) -> uuid.UUID | None:
    """Follow the ORM path `lookup` (e.g. "appointment__application") from `obj` to an application id."""
    if lookup == "pk":
        return obj.pk
    *hops, last = lookup.split("__")
    for hop in hops:
        # An unsaved row may not have the related row yet: then it has no application.
        if getattr(obj, _attname(obj, hop)) is None:
            return None
        obj = getattr(obj, hop)
    return getattr(obj, _attname(obj, last))


def _scoped_admin_for(model, admin_site) -> "TenantScopedAdmin | None":
    model_admin = admin_site._registry.get(model)
    return model_admin if isinstance(model_admin, TenantScopedAdmin) else None


def application_id_for(obj: models.Model, admin_site: admin.AdminSite | None = None) -> uuid.UUID | None:
    """The application `obj` belongs to, through its registered admin when it has one."""
    if isinstance(obj, Application):
        return obj.pk
    model_admin = _scoped_admin_for(type(obj), admin_site) if admin_site else None
    if model_admin is not None:
        return application_id_of(obj, model_admin.application_lookup)
    if has_application_key(type(obj)):
        return application_id_of(obj, "application")
    raise ImproperlyConfigured(f"cannot tell which application a {type(obj).__name__} belongs to")


def scoped_related_queryset(request: HttpRequest, model, admin_site: admin.AdminSite):
    """Rows of `model` the user may pick in a form or a filter; None when nothing is to restrict.

    A model with a TenantScopedAdmin is restricted the way that admin restricts
    it; an Application or a row with an `application` key by the user's
    applications. Models bound to a tenant only through another path need a
    TenantScopedAdmin for their choices to be restricted.
    """
    ids = allowed_application_ids(request)
    if ids is None:
        return None
    model_admin = _scoped_admin_for(model, admin_site)
    if model_admin is not None:
        return model_admin.get_queryset(request)
    if issubclass(model, Application):
        return model._default_manager.filter(pk__in=ids)
    if has_application_key(model):
        return model._default_manager.filter(application__in=ids)
    return None


def console_principal(request: HttpRequest, application: Application) -> Principal:
    """The actor that the console's services act as, in one of the user's applications.

    The admin has already decided what the user may do (model permissions and
    memberships); services that take a principal get one of that application
    with the roles the console's pages stand for.
    """
    ids = allowed_application_ids(request)
    if ids is not None and application.pk not in ids:
        raise PermissionDenied("that application is not one of yours")
    return Principal(
        user_id=f"admin:{request.user.get_username()}",
        roles=frozenset({Role.SUPERVISOR, Role.ADMIN}),
        application_id=application.pk,
        organization_id=application.organization_id,
        known_application=application,
    )


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter offering only rows of the user's applications."""

    def field_choices(self, field, request, model_admin):
        allowed = scoped_related_queryset(request, field.related_model, model_admin.admin_site)
        if allowed is None:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": allowed.values("pk")}, ordering=ordering
        )


class _TenantScoping(_AdminBase):
    """What change lists, forms and inlines share: the scoped rows and foreign-key choices."""

    #: ORM path from the model to its Application, or "pk" for Application itself.
    application_lookup: str = "application"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = allowed_application_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.application_lookup}__in": ids})

    def get_field_queryset(self, db, db_field, request):
        # Django asks this for the choices of every foreign key and many-to-many
        # field of the form, including autocomplete and raw-id validation.
        allowed = scoped_related_queryset(request, db_field.remote_field.model, self.admin_site)
        if allowed is None:
            return super().get_field_queryset(db, db_field, request)
        return allowed.using(db)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = allowed_application_ids(request)
        if ids is not None and len(ids) == 1 and issubclass(db_field.related_model, Application):
            # A supervisor of one application has nothing to choose.
            kwargs.setdefault("initial", next(iter(ids)))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_application_lookup()]

    def _check_application_lookup(self) -> list[checks.Error]:
        lookup = self.application_lookup
        if lookup == "pk":
            leads_to_application = issubclass(self.model, Application)
        else:
            try:
                path = get_fields_from_path(self.model, lookup)
            except (FieldDoesNotExist, NotRelationField):
                path = []
            # Only forward foreign keys give each row exactly one application.
            leads_to_application = (
                bool(path)
                and all(field.concrete and (field.many_to_one or field.one_to_one) for field in path)
                and issubclass(cast(type, path[-1].related_model), Application)
            )
        if leads_to_application:
            return []
        return [
            checks.Error(
                f"application_lookup {lookup!r} does not lead from {self.model.__name__} to an Application.",
                obj=self.__class__,
                id="tenants.E001",
            )
        ]


class TenantScopedAdmin(_TenantScoping, _ModelAdminBase):
    """ModelAdmin mixin: a supervisor sees and changes only rows of their applications.

    Put it before admin.ModelAdmin in the bases and set `application_lookup`
    when the model reaches its application through another row.
    """

    def in_scope(self, request, obj) -> bool:
        """Whether `obj` belongs to one of the user's applications (None: the model as a whole)."""
        ids = allowed_application_ids(request)
        return obj is None or ids is None or application_id_of(obj, self.application_lookup) in ids

    def ensure_in_scope(self, request, obj) -> None:
        """Refuse to write `obj` unless it belongs to one of the user's applications.

        An admin that saves through a service instead of super().save_model()
        calls this first.
        """
        if not self.in_scope(request, obj):
            raise PermissionDenied("that application is not one of yours")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)

    def get_list_filter(self, request):
        return [self._scoped_list_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_list_filter(self, entry):
        # A plain "application" (or any relation) filter would list every
        # tenant's rows by name; offer only the user's.
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        return (entry, ScopedRelatedFieldListFilter) if field.is_relation else entry

    def save_model(self, request, obj, form, change):
        # The form's choices already refuse other applications; this is the
        # last line for admins that set the application themselves.
        self.ensure_in_scope(request, obj)
        super().save_model(request, obj, form, change)


class TenantOwnedInlineFormSet(BaseInlineFormSet):
    """Inline rows take their application from the row they are edited under."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        instance = form.instance
        if instance._state.adding and has_application_key(type(instance)) and instance.application_id is None:
            instance.application_id = application_id_for(self.instance)


class TenantScopedInline(_TenantScoping, _InlineBase):
    """InlineModelAdmin mixin: the inline rows and their choices follow the parent's application.

    The `application` field of tenant-owned inline rows is not shown: it is the
    parent's.
    """

    formset = TenantOwnedInlineFormSet

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if has_application_key(self.model) and "application" not in exclude:
            exclude.append("application")
        return exclude

    def _parent_in_scope(self, request, obj) -> bool:
        ids = allowed_application_ids(request)
        if obj is None or ids is None:
            return True
        try:
            return application_id_for(obj, self.admin_site) in ids
        except ImproperlyConfigured:
            return True  # Not tenant-bound: the parent admin decides who sees it.

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._parent_in_scope(request, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_in_scope(request, obj)
