"""Reads of appointments, always through the caller (the principal) and its rights."""

import heapq
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.lookups import GreaterThan
from django.utils import timezone

# customers_waiting: the dashboard's "waiting now" list (appointments/attendance_selectors.py).
from appointments.attendance_selectors import WaitingAppointment as WaitingAppointment
from appointments.attendance_selectors import customers_waiting as customers_waiting
from appointments.models import Appointment, InteractionState, OrganizerType
from core.api.fields import EARLIEST
from core.errors import NotFound
from core.ids import parse_uuid
from core.pages import Page, page_of
from participants.models import Participant, ParticipantType
from tenants.models import Application
from tenants.principal import Principal
from tenants.roles import Role

# Participants in the order responses list them.
_PARTICIPANTS = Prefetch("participants", queryset=Participant.objects.order_by("created_at", "id"))
# A page shows only these columns of them; see Appointment.participant_rows.
_PAGE_PARTICIPANTS = Prefetch(
    "participants",
    queryset=Participant.objects.order_by("created_at", "id").only(
        "appointment_id", "participant_id", "state", "type"
    ),
    to_attr="page_participants",
)

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


def _reaches(principal: Principal, roles: set[str], appointment: Appointment) -> bool:
    """Whether a caller acting in `roles` reaches this appointment of its own application.

    Supervisors and client services reach them all; an agent those it organizes or
    takes part in as an agent; a customer the one its token names.
    """
    if roles & _APPLICATION_WIDE:
        return True
    if Role.AGENT in roles and (
        appointment.organizer_id == principal.user_id
        or any(
            p.type == ParticipantType.AGENT and p.participant_id == principal.user_id
            for p in appointment.participants.all()
        )
    ):
        return True
    return Role.CUSTOMER in roles and parse_uuid(principal.conference_id) == appointment.pk


def appointment_get(
    *, principal: Principal, appointment_id: object, roles: Iterable[str] | None = None
) -> Appointment:
    """One appointment the caller may reach, its participants loaded; anything else is not found.

    Two queries: the appointment (scoped to the caller's application, so another
    tenant's is not found) and its participants, which decide an agent's reach and
    are what every response shows.
    """
    key = parse_uuid(appointment_id)
    appointment = None
    if key is not None:
        found = Appointment.objects.for_principal(principal).filter(pk=key).order_by()[:1]
        appointment = next(iter(found), None)
    if appointment is not None:
        appointment_participants_load(appointment=appointment)
        if _reaches(principal, acting_roles(principal, roles), appointment):
            return appointment
    raise NotFound(f"appointment {appointment_id} not found")


def appointment_participants_load(*, appointment: Appointment) -> Appointment:
    """Its participants, in the order responses list them, in one query (none if already loaded)."""
    prefetch_related_objects([appointment], _PARTICIPANTS)
    return appointment


def appointment_lock(*, appointment: Appointment) -> Appointment:
    """Re-read an appointment the caller already reached, under a row lock (inside a transaction).

    Services take it first so that changes to one appointment happen one at a time.
    """
    locked = Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    if locked is None:
        raise NotFound(f"appointment {appointment.pk} not found")
    return locked


def application_of(*, principal: Principal, application_id: object) -> Application:
    """The caller's own application when `application_id` names it; any other is not found."""
    if parse_uuid(application_id) != principal.application_id:
        raise NotFound(f"application {application_id} not found")
    return principal.application


def has_ended(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Whether the appointment is over: its end has passed or its interaction completed."""
    now = now or timezone.now()
    return appointment.end <= now or appointment.interaction_state == InteractionState.COMPLETE


def participant_get(
    *, principal: Principal, appointment_id: object, participant_id: str, roles: Iterable[str] | None = None
) -> Participant:
    """A participant of an appointment the caller reaches.

    Agents and supervisors see every participant. A customer sees only CUSTOMER
    participants of its own appointment (the token's conference id), and none
    once that appointment has ended.
    """
    acting = acting_roles(principal, roles)
    staff = acting - {Role.CUSTOMER}
    if staff:
        try:
            appointment = appointment_get(principal=principal, appointment_id=appointment_id, roles=staff)
        except NotFound:
            if Role.CUSTOMER not in acting:
                raise
        else:
            return _participant_of(appointment, participant_id)
    appointment = appointment_get(principal=principal, appointment_id=appointment_id, roles={Role.CUSTOMER})
    participant = _participant_of(appointment, participant_id)
    if participant.type != ParticipantType.CUSTOMER or has_ended(appointment):
        raise NotFound(f"participant {participant_id} not found")
    return participant


@dataclass(frozen=True)
class AppointmentConfirmations:
    appointment: Appointment
    participants: list[Participant]


def appointment_confirmations_get(
    *, principal: Principal, appointment_id: object, roles: Iterable[str] | None = None
) -> AppointmentConfirmations:
    """The participants' answers to "will you attend?" of an appointment the caller reaches (two queries).

    The same reach as appointment_get; a caller reaching it only as its customer sees
    the CUSTOMER participants, as participant_get shows them.
    """
    acting = acting_roles(principal, roles)
    staff = acting - {Role.CUSTOMER}
    if staff:
        try:
            appointment = appointment_get(principal=principal, appointment_id=appointment_id, roles=staff)
        except NotFound:
            if Role.CUSTOMER not in acting:
                raise
        else:
            return AppointmentConfirmations(appointment, list(appointment.participants.all()))
    appointment = appointment_get(principal=principal, appointment_id=appointment_id, roles={Role.CUSTOMER})
    customers = [p for p in appointment.participants.all() if p.type == ParticipantType.CUSTOMER]
    return AppointmentConfirmations(appointment, customers)


def _participant_of(appointment: Appointment, participant_id: str) -> Participant:
    # The appointment came with its participants prefetched: no further query.
    for participant in appointment.participants.all():
        if participant.participant_id == participant_id:
            participant.appointment = appointment
            return participant
    raise NotFound(f"participant {participant_id} not found")


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


AppointmentPage = Page[Appointment, AppointmentFilters]


def appointment_list(*, principal: Principal, filters: AppointmentFilters) -> AppointmentPage:
    """One page of the caller's appointments in at most three queries, whatever the page or data size.

    Supervisors see the whole application (narrowed by `organizer_ids` if given);
    everyone else sees only the appointments they organize, as the document says.
    The page and its participants come first; the matches are counted only when
    the page does not already show that it holds them all.
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
    page = page_of(
        queryset.prefetch_related(_PAGE_PARTICIPANTS),
        order_by=SORT_FIELDS[filters.sort_field],
        filters=filters,
    )
    if page.total == 0:
        raise NotFound("no appointments found matching the criteria")
    return page


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

    An appointment ends `duration` after it starts (the services keep it so), so
    one that ends after `start` began at most the application's longest duration
    before it: that bound (read from the (application, duration) index) turns a scan
    of the whole history before the window into a short range of (application, start).
    """
    return (
        Appointment.objects.filter(
            _tenant_filter(application_id, organization_id),
            start__gte=_lookback_bound(application_id, start),
            start__lt=start + duration,
            end__gt=start,
        )
        .exclude(interaction_state=InteractionState.COMPLETE)
        .count()
    )


def appointment_agent_overlap_first(
    *, application_id: uuid.UUID, organizer_id: str, start: datetime, end: datetime, other_than: uuid.UUID
) -> Appointment | None:
    """The earliest uncompleted appointment the agent organizes that intersects [start, end); one query.

    The same intervals and the same bound as the overlap count: only appointments starting
    at most the application's longest duration before `start` can reach into the window,
    so the (application, organizer, start) index gives a short range.
    """
    return (
        Appointment.objects.filter(
            application_id=application_id,
            organizer_type=OrganizerType.AGENT,
            organizer_id=organizer_id,
            start__gte=_lookback_bound(application_id, start),
            start__lt=end,
            end__gt=start,
        )
        .exclude(interaction_state=InteractionState.COMPLETE)
        .exclude(pk=other_than)
        .order_by("start", "id")
        .only("id", "organizer_id", "start", "end")
        .first()
    )


@dataclass(frozen=True)
class AgentOverlap:
    organizer_id: str
    first_id: uuid.UUID
    second_id: uuid.UUID


def agent_overlaps_upcoming(
    *, application_id: uuid.UUID, now: datetime, limit: int
) -> tuple[list[AgentOverlap], int]:
    """Overlapping pairs of an agent's uncompleted, upcoming appointments: the first `limit`, and how many.

    One query, read in chunks in (organizer, start) order, the order of an index; a sweep
    keeps the ends of the agent's appointments still running, so the count costs
    O(n log n) however many overlap.
    """
    rows = (
        Appointment.objects.filter(
            application_id=application_id, organizer_type=OrganizerType.AGENT, end__gt=now
        )
        .exclude(interaction_state=InteractionState.COMPLETE)
        .order_by("organizer_id", "start", "id")
        .values_list("organizer_id", "id", "start", "end")
    )
    pairs: list[AgentOverlap] = []
    total = 0
    agent: str | None = None
    running: list[tuple[datetime, uuid.UUID]] = []  # a heap of (end, id)
    for organizer_id, key, start, end in rows.iterator(chunk_size=2000):
        if organizer_id != agent:
            agent, running = organizer_id, []
        while running and running[0][0] <= start:
            heapq.heappop(running)
        total += len(running)
        for _end, earlier in running[: max(0, limit - len(pairs))]:
            pairs.append(AgentOverlap(organizer_id=organizer_id, first_id=earlier, second_id=key))
        heapq.heappush(running, (end, key))
    return pairs, total


def _lookback_bound(application_id: uuid.UUID, start: datetime) -> Case:
    """`start` less the application's longest duration, or the calendar's first instant before that.

    The subtraction stays in the database, in the same query; near the year 1 it would
    leave the calendar (SQLite's date functions then fail), so it is not made there.
    """
    longest = Subquery(
        Appointment.objects.filter(application_id=application_id).order_by("-duration").values("duration")[:1]
    )
    return Case(
        When(GreaterThan(longest, Value(start - EARLIEST)), then=Value(EARLIEST)),
        default=ExpressionWrapper(Value(start) - longest, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )


def appointment_eligible_list(
    *, principal: Principal, time_frame: timedelta | None = None
) -> list[Appointment]:
    """Scheduled appointments of the caller's application not yet activated, by start.

    Activations have no time limits, so without `time_frame` every one of them is
    eligible; the deprecated `time_frame` keeps those starting within it from now.
    """
    appointments = Appointment.objects.for_principal(principal).filter(
        room_url="", interaction_state=InteractionState.PENDING
    )
    if time_frame is not None:
        now = timezone.now()
        appointments = appointments.filter(start__gte=now, start__lt=now + time_frame)
    return list(appointments.order_by("start", "id").only("id", "start", "timezone", "created_at"))
