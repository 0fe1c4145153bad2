"""Reads of attendance: the customers waiting now, and the appointments the attendance tick must mark.

`customers_waiting` (re-exported by appointments.selectors) serves the dashboard's
"waiting now" list; `waiting_escalation_due` and `no_show_due` serve the tick
(appointments/attendance.py). Each is a fixed number of queries over a bounded window,
read through partial indexes: the customers WAITING (participants), the ends not
marked as no-shows (appointments).
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from appointments.models import Appointment, InteractionState
from participants.models import Participant, ParticipantState, ParticipantType
from tenants.models import Application


def _agent_joined() -> Exists:
    return Exists(
        Participant.objects.filter(
            appointment_id=OuterRef("appointment_id"),
            type=ParticipantType.AGENT,
            state=ParticipantState.JOINED,
        )
    )


def _waiting_now(now: datetime) -> QuerySet[Participant]:
    """Customers WAITING in an appointment under way (not completed, end not passed).

    The window is the longest an appointment may last: customers a client left WAITING
    (it never said LEFT) drop out of the scan instead of piling up in it.
    """
    return Participant.objects.filter(
        type=ParticipantType.CUSTOMER,
        state=ParticipantState.WAITING,
        state_changed_at__gt=now - settings.APPOINTMENT_MAX_DURATION,
        appointment__interaction_state=InteractionState.PENDING,
        appointment__end__gt=now,
    )


@dataclass(frozen=True)
class WaitingAppointment:
    """An appointment with customers WAITING now: who, since when, for how many whole minutes."""

    appointment: Appointment
    customers: tuple[Participant, ...]
    waiting_since: datetime  # max(start, when the longest-waiting customer began to wait)
    waited_minutes: int  # 0 until the start
    agent_joined: bool  # an agent is JOINED (in the room, not yet with the customer)
    escalated_at: datetime | None  # when customer.waiting was raised, if it was


def waiting_since(appointment: Appointment, customer: Participant) -> datetime:
    """When a WAITING customer's wait begins to count: never before the appointment's start."""
    return max(appointment.start, customer.state_changed_at or appointment.start)


def customers_waiting(
    *, application_ids: Iterable[uuid.UUID], now: datetime, limit: int = 200
) -> list[WaitingAppointment]:
    """The applications' appointments with a customer WAITING now, longest wait first; one query.

    At most `limit` waiting customers are read. The caller passes only the application
    ids its user may see.
    """
    rows = (
        _waiting_now(now)
        .filter(application_id__in=list(application_ids))
        .select_related("appointment", "appointment__application")
        .annotate(agent_joined=_agent_joined())
        .order_by("state_changed_at", "id")[:limit]
    )
    grouped: dict[uuid.UUID, list[Participant]] = {}
    for row in rows:
        grouped.setdefault(row.appointment_id, []).append(row)
    waiting = []
    for customers in grouped.values():
        appointment = customers[0].appointment
        since = min(waiting_since(appointment, customer) for customer in customers)
        waiting.append(
            WaitingAppointment(
                appointment=appointment,
                customers=tuple(customers),
                waiting_since=since,
                waited_minutes=max(0, int((now - since).total_seconds() // 60)),
                agent_joined=bool(getattr(customers[0], "agent_joined", False)),
                escalated_at=appointment.waiting_escalated_at,
            )
        )
    return sorted(waiting, key=lambda item: (item.waiting_since, str(item.appointment.pk)))


def waiting_escalation_due(*, now: datetime, limit: int) -> list[uuid.UUID]:
    """Appointments to raise customer.waiting for, earliest start first; two queries, whatever the data.

    A customer has been WAITING for the application's `waiting_escalation_minutes`,
    counted from max(start, when they began waiting), no agent is JOINED, and it was not
    raised before. The thresholds in use come first (a few distinct values), so that
    the wait is compared with plain timestamps, which every database and index handles.
    """
    in_use = (
        Application.objects.filter(waiting_escalation_minutes__isnull=False)
        .order_by()
        .values_list("waiting_escalation_minutes", flat=True)
        .distinct()
    )
    thresholds = [minutes for minutes in in_use if minutes is not None]
    if not thresholds:
        return []
    waited = Q(pk__in=[])
    for minutes in thresholds:
        since = now - timedelta(minutes=minutes)
        waited |= Q(
            appointment__application__waiting_escalation_minutes=minutes,
            appointment__start__lte=since,
            state_changed_at__lte=since,
        )
    customers = (
        _waiting_now(now)
        .filter(waited, appointment__waiting_escalated_at__isnull=True)
        .exclude(_agent_joined())
        .values("appointment_id")
    )
    due = Appointment.objects.filter(pk__in=customers).order_by("start", "pk").values_list("pk", flat=True)
    return list(due[:limit])


def customer_ever_joined() -> Exists:
    """Whether a CUSTOMER of the (outer) appointment was ever JOINED; one who LEFT since counts."""
    return Exists(
        Participant.objects.filter(
            appointment_id=OuterRef("pk"), type=ParticipantType.CUSTOMER, first_joined_at__isnull=False
        )
    )


def has_customer() -> Exists:
    return Exists(Participant.objects.filter(appointment_id=OuterRef("pk"), type=ParticipantType.CUSTOMER))


def no_show_due(*, now: datetime, limit: int) -> list[uuid.UUID]:
    """Appointments past their end within the lookback whose customers never JOINED; one query.

    An appointment without customers is nobody's no-show.
    """
    due = (
        Appointment.objects.filter(
            no_show_at__isnull=True, end__lte=now, end__gt=now - settings.APPOINTMENTS_NO_SHOW_LOOKBACK
        )
        .filter(has_customer())
        .exclude(customer_ever_joined())
        .order_by("end", "pk")
        .values_list("pk", flat=True)
    )
    return list(due[:limit])
