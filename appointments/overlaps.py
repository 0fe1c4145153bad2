"""No double-booked agents, for applications that ask for it (`prevent_agent_overlap`).

With the setting on, scheduling, rescheduling or reassigning an appointment so that its
AGENT organizer organizes two uncompleted appointments whose times intersect is refused
with 409, naming the appointment already there. Touching appointments (one ends as the
other starts) do not overlap; completed ones (ended through the API or the admin) and
deleted ones free the agent; customer-organized ones are not concerned.

Who decides:

- Every such write reads the setting first, held against a change
  (`tenants.application_settings.application_setting_held`), before it locks the
  appointment: a write either finishes before the setting changes or sees the new value
  (Django's foreign keys are checked only at commit, so inserting the row would not
  do), and a write that waits for a change holds no appointment lock meanwhile.
- It stores the value on the row (`Appointment.agent_overlap_guarded`) and, when on,
  looks for an appointment in the way (`selectors.appointment_agent_overlap_first`).
- On PostgreSQL the exclusion constraint `appt_agent_no_overlap` (migration 0004) holds
  guarded rows apart, so that two simultaneous writes cannot both pass the look-up: the
  loser's violation becomes the same 409. On SQLite every writing transaction holds the
  database's write lock from its start (BEGIN IMMEDIATE), so the look-up cannot be raced.

Rows keep the value they were written with. Turning the setting off leaves the flags:
a flagged row that is written again takes the new value in the same UPDATE, and two rows
that nobody writes cannot come to overlap. Turning it on flags nothing either: it is
refused while upcoming appointments overlap (`settings_changed`), and from then on every
write is looked up against all the agent's appointments, flagged or not; only writes can
race, and writes made with the setting on are all flagged. So a change of the setting
writes no appointment row, and cannot wait on (or deadlock with) a service holding one.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appointments.models import Appointment, InteractionState, OrganizerType
from appointments.selectors import AgentOverlap, agent_overlaps_upcoming, appointment_agent_overlap_first
from core.api.fields import format_datetime_utc
from core.errors import Conflict
from tenants.application_settings import ApplicationSettingsChanged, application_setting_held

CONSTRAINT = "appt_agent_no_overlap"
SETTING = "prevent_agent_overlap"
# How many overlapping pairs a refusal to turn the setting on lists.
LISTED_PAIRS = 20


def agent_overlap_guarded(*, application_id: uuid.UUID) -> bool:
    """The application's setting for a write about to be made; call before locking the appointment."""
    return bool(application_setting_held(application_id=application_id, name=SETTING))


def _applies(appointment: Appointment) -> bool:
    return (
        appointment.agent_overlap_guarded
        and appointment.organizer_type == OrganizerType.AGENT
        and appointment.interaction_state != InteractionState.COMPLETE
    )


@contextmanager
def agent_overlap_refused(appointment: Appointment) -> Iterator[None]:
    """Wrap the save of `appointment`, its new schedule and organizer assigned: 409 on a double booking."""
    if not _applies(appointment):
        yield
        return
    _refuse_if_in_the_way(appointment)
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic():  # a savepoint: the look-up below needs a live transaction
            yield
    except IntegrityError as error:
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) != CONSTRAINT:
            raise
        # Another write committed its appointment after our look-up; now it is visible.
        _refuse_if_in_the_way(appointment)
        raise Conflict(
            f"agent {appointment.organizer_id} already organizes an appointment at that time"
        ) from None


def _refuse_if_in_the_way(appointment: Appointment) -> None:
    other = appointment_agent_overlap_first(
        application_id=appointment.application_id,
        organizer_id=appointment.organizer_id,
        start=appointment.start,
        end=appointment.end,
        other_than=appointment.pk,
    )
    if other is not None:
        raise Conflict(
            f"agent {appointment.organizer_id} already organizes appointment {other.pk} "
            f"from {format_datetime_utc(other.start)} to {format_datetime_utc(other.end)}"
        )


def settings_changed(event: ApplicationSettingsChanged) -> None:
    """Refuse turning the setting on while agents are double-booked ahead, listing the overlaps.

    Subscribed to APPLICATION_SETTINGS_CHANGED; the refusal rolls the whole change back.
    Appointments already over are history and are not judged.
    """
    if not event.turned_on(SETTING):
        return
    pairs, total = agent_overlaps_upcoming(
        application_id=event.application.pk, now=timezone.now(), limit=LISTED_PAIRS
    )
    if not total:
        return
    listed = [_describe(pair) for pair in pairs]
    if total > len(pairs):
        listed.append(f"and {total - len(pairs)} more")
    raise Conflict(
        f"{total} pair(s) of upcoming appointments make an agent organize two at once; "
        "reschedule, reassign or end them first",
        fields={"preventAgentOverlap": listed},
    )


def _describe(pair: AgentOverlap) -> str:
    return f"agent {pair.organizer_id}: appointment {pair.first_id} overlaps appointment {pair.second_id}"
