"""Waiting-room escalation and no-shows: marked once per appointment, announced to the apps above.

From the participant states the API records (WAITING, JOINED, LEFT):

- **customer.waiting**: a customer has been WAITING for the application's
  `waiting_escalation_minutes` (null: off), counted from max(start, when they began
  waiting), and no agent is JOINED. `Appointment.waiting_escalated_at` is set once and
  CUSTOMER_WAITING published.
- **no-show**: the appointment ended (`appointment_end`) or passed its end with
  customers none of whom was ever JOINED (`Participant.first_joined_at`, kept when they
  leave). `Appointment.no_show_at` is set once and APPOINTMENT_NO_SHOW published.

Both marks are compare-and-sets (`UPDATE ... WHERE <mark> IS NULL`) under the
appointment's row lock, so two beats or workers running the tick at once raise each
event once. The notifications app subscribes in its AppConfig.ready() and writes the
webhook and email deliveries in the marking transaction.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appointments.attendance_selectors import no_show_due, waiting_escalation_due, waiting_since
from appointments.models import Appointment, InteractionState
from core.events import Event
from participants.models import Participant, ParticipantState, ParticipantType

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerWaiting:
    """A customer waited too long with no agent; `customers` are those WAITING, longest first."""

    appointment: Appointment
    customers: tuple[Participant, ...]
    waiting_since: datetime
    escalated_at: datetime


@dataclass(frozen=True)
class NoShow:
    """No customer ever joined; `ended` tells the end operation from passing the end."""

    appointment: Appointment
    at: datetime
    ended: bool


# Published inside the marking transaction, once per appointment.
CUSTOMER_WAITING: Event[CustomerWaiting] = Event("appointments.customer_waiting")
APPOINTMENT_NO_SHOW: Event[NoShow] = Event("appointments.no_show")


def _locked_unmarked(appointment_id: uuid.UUID, mark: str) -> Appointment | None:
    """The appointment under its row lock, if `mark` is still unset (None otherwise)."""
    rows = Appointment.objects.select_for_update(of=("self",)).select_related("application")
    return rows.filter(pk=appointment_id, **{f"{mark}__isnull": True}).first()


def _compare_and_set(appointment: Appointment, mark: str, now: datetime) -> bool:
    """Set `mark` if still unset; False when another tick (or the end operation) set it first."""
    updated = Appointment.objects.filter(pk=appointment.pk, **{f"{mark}__isnull": True}).update(
        **{mark: now, "updated_at": now}
    )
    setattr(appointment, mark, now)
    return updated == 1


@transaction.atomic
def appointment_waiting_escalate(*, appointment_id: uuid.UUID, now: datetime | None = None) -> bool:
    """Raise customer.waiting for the appointment if it is (still) due; True when raised now."""
    now = now or timezone.now()
    appointment = _locked_unmarked(appointment_id, "waiting_escalated_at")
    if appointment is None or appointment.application.waiting_escalation_minutes is None:
        return False
    if appointment.interaction_state == InteractionState.COMPLETE or appointment.end <= now:
        return False
    # Read again under the lock: an agent may have joined since the tick's read.
    participants = list(appointment.participants.all())
    if any(p.type == ParticipantType.AGENT and p.state == ParticipantState.JOINED for p in participants):
        return False
    patience = timedelta(minutes=appointment.application.waiting_escalation_minutes)
    waiting = sorted(
        (
            p
            for p in participants
            if p.type == ParticipantType.CUSTOMER
            and p.state == ParticipantState.WAITING
            and waiting_since(appointment, p) <= now - patience
        ),
        key=lambda p: (waiting_since(appointment, p), p.created_at),
    )
    if not waiting or not _compare_and_set(appointment, "waiting_escalated_at", now):
        return False
    CUSTOMER_WAITING.publish(
        CustomerWaiting(
            appointment=appointment,
            customers=tuple(waiting),
            waiting_since=waiting_since(appointment, waiting[0]),
            escalated_at=now,
        )
    )
    return True


def no_customer_ever_joined(appointment: Appointment) -> bool:
    """The appointment has customers and none of them was ever JOINED; one query."""
    joined = list(
        Participant.objects.filter(appointment_id=appointment.pk, type=ParticipantType.CUSTOMER).values_list(
            "first_joined_at", flat=True
        )
    )
    return bool(joined) and all(at is None for at in joined)


def appointment_no_show_mark_ended(*, appointment: Appointment, now: datetime) -> bool:
    """Mark a no-show as the appointment ends; call inside `appointment_end`, under its lock."""
    if appointment.no_show_at is not None or not no_customer_ever_joined(appointment):
        return False
    return _no_show(appointment, now, ended=True)


@transaction.atomic
def appointment_no_show_mark(*, appointment_id: uuid.UUID, now: datetime | None = None) -> bool:
    """Mark a no-show for an appointment past its end whose customers never joined; True when marked now."""
    now = now or timezone.now()
    appointment = _locked_unmarked(appointment_id, "no_show_at")
    # Rescheduled to later since the tick read it, or a customer joined meanwhile.
    if appointment is None or appointment.end > now or not no_customer_ever_joined(appointment):
        return False
    return _no_show(appointment, now, ended=False)


def _no_show(appointment: Appointment, now: datetime, *, ended: bool) -> bool:
    if not _compare_and_set(appointment, "no_show_at", now):
        return False
    APPOINTMENT_NO_SHOW.publish(NoShow(appointment=appointment, at=now, ended=ended))
    return True


def attendance_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Beat's attendance tick: raise due escalations, mark no-shows; at most a batch of each.

    Safe to run twice at once: each mark is a compare-and-set. An appointment whose
    follow-up fails is logged and left unmarked for the next tick; the others go on.
    """
    now = now or timezone.now()
    limit = settings.APPOINTMENTS_ATTENDANCE_BATCH_SIZE
    summary = {"escalated": 0, "no_shows": 0}
    for appointment_id in waiting_escalation_due(now=now, limit=limit):
        summary["escalated"] += _guarded(appointment_waiting_escalate, appointment_id, now)
    for appointment_id in no_show_due(now=now, limit=limit):
        summary["no_shows"] += _guarded(appointment_no_show_mark, appointment_id, now)
    return summary


def _guarded(mark, appointment_id: uuid.UUID, now: datetime) -> bool:
    try:
        return mark(appointment_id=appointment_id, now=now)
    except Exception:
        logger.exception("attendance mark %s failed for appointment %s", mark.__name__, appointment_id)
        return False
