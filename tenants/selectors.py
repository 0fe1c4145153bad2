"""Reads of tenant-owned rows, always through the caller's application."""

import time
import uuid

from django.conf import settings
from django.db.models import QuerySet

from core.errors import NotFound
from core.ids import parse_uuid
from core.pages import Row
from tenants.models import Application
from tenants.principal import Principal


def scoped(queryset: QuerySet[Row], principal: Principal) -> QuerySet[Row]:
    """Restrict a queryset of tenant-owned rows to the caller's application."""
    return queryset.filter(application_id=principal.application_id)


def get_scoped_or_404(queryset: QuerySet[Row], principal: Principal, *, label: str, pk: object) -> Row:
    """One row of the caller's application; another tenant's row is simply not found."""
    key = parse_uuid(pk)
    if key is None:
        raise NotFound(f"{label} {pk} not found")
    instance = scoped(queryset, principal).filter(pk=key).first()
    if instance is None:
        raise NotFound(f"{label} {pk} not found")
    return instance


def application_get(*, application_id: uuid.UUID | str) -> Application:
    key = parse_uuid(application_id)
    if key is None:
        raise NotFound(f"application {application_id} not found")
    application = Application.objects.filter(pk=key).first()
    if application is None:
        raise NotFound(f"application {application_id} not found")
    return application


# application id -> (monotonic deadline, organization id): known applications only.
_known_applications: dict[uuid.UUID, tuple[float, str]] = {}
_KNOWN_APPLICATIONS_MAX = 10_000


def application_organization_id(*, application_id: uuid.UUID) -> str | None:
    """The organization of an existing application, or None when there is no such application.

    Every authenticated request asks this, so the answer for an application that
    exists is kept in this process for APPLICATION_CACHE_SECONDS; saving or
    deleting the application forgets it here at once, elsewhere within that time.
    Unknown ids are never remembered: an application created a moment ago works at once.
    """
    now = time.monotonic()
    known = _known_applications.get(application_id)
    if known is not None and known[0] > now:
        return known[1]
    organization_id = (
        Application.objects.filter(pk=application_id).values_list("organization_id", flat=True).first()
    )
    if organization_id is None:
        _known_applications.pop(application_id, None)
    elif settings.APPLICATION_CACHE_SECONDS > 0:
        if len(_known_applications) >= _KNOWN_APPLICATIONS_MAX:
            _known_applications.clear()
        _known_applications[application_id] = (now + settings.APPLICATION_CACHE_SECONDS, organization_id)
    return organization_id


def application_forget(*, application_id: uuid.UUID) -> None:
    """Drop what this process remembers of an application (it was saved or deleted)."""
    _known_applications.pop(application_id, None)


def known_applications_clear() -> None:
    """Forget every application this process remembers (tests start from a clean slate with it)."""
    _known_applications.clear()
