"""Reads of appointments, always through the caller (the principal) and its rights."""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from appointments.models import Appointment, InteractionState
from core.errors import NotFound
from participants.models import Participant, ParticipantType
from tenants.models import Application
from tenants.principal import Principal
from tenants.roles import Role

# Roles that reach every appointment of their application.
_APPLICATION_WIDE = {Role.SUPERVISOR, Role.CLIENT_SERVICE}

SORT_FIELDS = {
    "start": "start",
    "end": "end",
    "title": "title",
    "duration": "duration",
    "createdAt": "created_at",
}


def acting_roles(principal: Principal, roles: Iterable[str] | None) -> set[str]:
    """The caller's roles that the operation admits (all of them when `roles` is None).

    A token holding, say, CUSTOMER and SUPERVISOR calling an operation open to
    customers only must not gain a supervisor's reach.
    """
    held = set(principal.roles)
    return held if roles is None else held & set(roles)


def _access_filter(principal: Principal, roles: set[str]) -> Q:
    if roles & _APPLICATION_WIDE:
        return Q()
    access = Q(pk__in=[])
    if Role.AGENT in roles:
        takes_part = Exists(
            Participant.objects.filter(
                appointment=OuterRef("pk"), participant_id=principal.user_id, type=ParticipantType.AGENT
            )
        )
        access |= Q(organizer_id=principal.user_id) | Q(takes_part)
    if Role.CUSTOMER in roles:
        conference = _as_uuid(principal.conference_id)
        if conference is not None:
            access |= Q(pk=conference)
    return access


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def appointments_for(principal: Principal, roles: Iterable[str] | None = None) -> QuerySet:
    """Every appointment the caller may reach, acting in `roles`."""
    acting = acting_roles(principal, roles)
    return Appointment.objects.for_principal(principal).filter(_access_filter(principal, acting))


def appointment_get(
    *, principal: Principal, appointment_id, roles: Iterable[str] | None = None
) -> Appointment:
    """One appointment the caller may reach; anything else (another tenant's too) is not found."""
    key = _as_uuid(appointment_id)
    appointment = None
    if key is not None:
        appointment = (
            appointments_for(principal, roles)
            .filter(pk=key)
            .prefetch_related(
                Prefetch("participants", queryset=Participant.objects.order_by("created_at", "id"))
            )
            .first()
        )
    if appointment is None:
        raise NotFound(f"appointment {appointment_id} not found")
    return appointment


def appointment_lock(*, appointment: Appointment) -> Appointment:
    """Re-read an appointment the caller already reached, under a row lock (inside a transaction).

    Services take it first so that changes to one appointment happen one at a time.
    """
    locked = Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    if locked is None:
        raise NotFound(f"appointment {appointment.pk} not found")
    return locked


def application_of(*, principal: Principal, application_id) -> Application:
    """The caller's own application when `application_id` names it; any other is not found."""
    if _as_uuid(application_id) != principal.application_id:
        raise NotFound(f"application {application_id} not found")
    return principal.application


def has_ended(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Whether the appointment is over: its end has passed or its interaction completed."""
    now = now or timezone.now()
    return appointment.end <= now or appointment.interaction_state == InteractionState.COMPLETE


@dataclass(frozen=True)
class AppointmentFilters:
    organizer_ids: tuple[str, ...] = ()
    durations: tuple[timedelta, ...] = ()
    range_start: datetime | None = None
    range_end: datetime | None = None
    sort_field: str = "start"
    sort_order: str = "asc"
    page_size: int = 25
    page_number: int = 1


@dataclass(frozen=True)
class AppointmentPage:
    items: list[Appointment]
    total: int
    page_count: int
    filters: AppointmentFilters


def appointment_list(*, principal: Principal, filters: AppointmentFilters) -> AppointmentPage:
    """One page of the caller's appointments; a constant number of queries whatever its size.

    Supervisors see the whole application (narrowed by `organizer_ids` if given);
    everyone else sees only the appointments they organize, as the document says.
    """
    queryset = Appointment.objects.for_principal(principal)
    if principal.has_role(Role.SUPERVISOR):
        if filters.organizer_ids:
            queryset = queryset.filter(organizer_id__in=filters.organizer_ids)
    else:
        queryset = queryset.filter(organizer_id=principal.user_id)
    if filters.durations:
        queryset = queryset.filter(duration__in=filters.durations)
    if filters.range_start is not None:
        queryset = queryset.filter(start__gte=filters.range_start, start__lt=filters.range_end)
    total = queryset.count()
    if total == 0:
        raise NotFound("no appointments found matching the criteria")
    order = SORT_FIELDS[filters.sort_field]
    prefix = "-" if filters.sort_order == "desc" else ""
    offset = (filters.page_number - 1) * filters.page_size
    items = list(
        queryset.order_by(f"{prefix}{order}", f"{prefix}id").prefetch_related(
            Prefetch("participants", queryset=Participant.objects.order_by("created_at", "id"))
        )[offset : offset + filters.page_size]
    )
    return AppointmentPage(
        items=items, total=total, page_count=math.ceil(total / filters.page_size), filters=filters
    )


def _tenant_filter(application_id: uuid.UUID, organization_id: str) -> Q:
    # Both ids must name the same tenant; a mismatch matches nothing, never another tenant.
    return Q(application_id=application_id, application__organization_id=organization_id)


def appointment_count(
    *, application_id: uuid.UUID, organization_id: str, start: datetime, time_frame: timedelta
) -> list[dict]:
    """Appointments starting in [start, start + time_frame), grouped by slot; one query."""
    return list(
        Appointment.objects.filter(
            _tenant_filter(application_id, organization_id), start__gte=start, start__lt=start + time_frame
        )
        .order_by()
        .values("start", "duration", "end", "timezone")
        .annotate(count=Count("id"))
        .order_by("start", "duration", "timezone")
    )


def appointment_overlap_count(
    *, application_id: uuid.UUID, organization_id: str, start: datetime, duration: timedelta
) -> int:
    """Appointments not yet completed that intersect [start, start + duration); one query.

    Half-open intervals: an appointment ending exactly at `start`, or starting
    exactly at its end, does not overlap.
    """
    return (
        Appointment.objects.filter(
            _tenant_filter(application_id, organization_id), start__lt=start + duration, end__gt=start
        )
        .exclude(interaction_state=InteractionState.COMPLETE)
        .count()
    )


def appointment_eligible_list(*, principal: Principal, time_frame: timedelta) -> list[Appointment]:
    """Not yet activated appointments of the caller's application starting within `time_frame`."""
    now = timezone.now()
    return list(
        Appointment.objects.for_principal(principal)
        .filter(room_url="", start__gte=now, start__lt=now + time_frame)
        .order_by("start", "id")
        .only("id", "start", "timezone", "created_at")
    )
