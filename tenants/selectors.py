"""Reads of tenant-owned rows, always through the caller's application."""

import uuid

from django.db.models import Model, QuerySet

from core.errors import NotFound
from tenants.models import Application


def scoped(queryset: QuerySet, principal) -> QuerySet:
    """Restrict a queryset of tenant-owned rows to the caller's application."""
    return queryset.filter(application_id=principal.application_id)


def get_scoped_or_404(queryset: QuerySet, principal, *, label: str, pk) -> Model:
    """One row of the caller's application; another tenant's row is simply not found."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise NotFound(f"{label} {pk} not found") from None
    instance = scoped(queryset, principal).filter(pk=key).first()
    if instance is None:
        raise NotFound(f"{label} {pk} not found")
    return instance


def application_get(*, application_id) -> Application:
    try:
        key = uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound(f"application {application_id} not found") from None
    application = Application.objects.filter(pk=key).first()
    if application is None:
        raise NotFound(f"application {application_id} not found")
    return application
