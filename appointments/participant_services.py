"""Writes of an appointment's participants (the /api/appointments/{id}/participants operations).

Each takes the appointment's row lock first and passes through the appointment
change hook, like every other write of an appointment.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments.changes import AppointmentChange, appointment_changed
from appointments.models import Appointment
from appointments.selectors import appointment_lock
from core.errors import Conflict, InvalidInput, NotFound
from participants.models import SETTABLE_STATES, Participant, ParticipantState
from participants.services import CustomerDetails, agent_create, customer_create


@transaction.atomic
def participant_add_agent(*, appointment: Appointment, agent_id: str) -> Participant:
    """Add an agent; an agent already taking part is a Conflict, decided by the database."""
    appointment = appointment_lock(appointment=appointment)
    try:
        with transaction.atomic():
            participant = agent_create(
                application_id=appointment.application_id, appointment_id=appointment.pk, agent_id=agent_id
            )
    except IntegrityError:
        if not Participant.objects.filter(appointment=appointment, participant_id=agent_id).exists():
            raise
        raise Conflict(f"agent {agent_id} is already a participant of appointment {appointment.pk}") from None
    return _added(appointment, participant)


@transaction.atomic
def participant_add_customer(*, appointment: Appointment, customer: CustomerDetails) -> Participant:
    appointment = appointment_lock(appointment=appointment)
    participant = customer_create(
        application_id=appointment.application_id, appointment_id=appointment.pk, customer=customer
    )
    return _added(appointment, participant)


def _added(appointment: Appointment, participant: Participant) -> Participant:
    participant.appointment = appointment
    appointment_changed(
        appointment=appointment, change=AppointmentChange.PARTICIPANT_ADDED, participant=participant
    )
    return participant


@transaction.atomic
def participant_update_state(*, participant: Participant, state: str) -> Participant:
    if state not in SETTABLE_STATES:
        raise InvalidInput.for_field("state", f"must be one of {', '.join(SETTABLE_STATES)}")
    appointment = appointment_lock(appointment=participant.appointment)
    participant = _reread(participant, appointment)
    if participant.state == state:
        return participant
    participant.state = state
    # The waiting-room escalation measures a wait from state_changed_at; a no-show asks
    # whether a customer ever joined, which a later LEFT must not erase (appointments/attendance.py).
    participant.state_changed_at = timezone.now()
    fields = ["state", "state_changed_at", "updated_at"]
    if state == ParticipantState.JOINED and participant.first_joined_at is None:
        participant.first_joined_at = participant.state_changed_at
        fields.append("first_joined_at")
    participant.save(update_fields=fields)
    appointment_changed(
        appointment=appointment, change=AppointmentChange.PARTICIPANT_STATE_CHANGED, participant=participant
    )
    return participant


@transaction.atomic
def participant_remove(*, participant: Participant) -> Appointment:
    """Remove a participant other than the organizer; returns the appointment as it is now."""
    appointment = appointment_lock(appointment=participant.appointment)
    participant = _reread(participant, appointment)
    if participant.participant_id == appointment.organizer_id:
        # The organizer owns the appointment; hand it over first (PUT /reassign/).
        raise InvalidInput(
            f"participant {participant.participant_id} organizes the appointment; reassign it instead",
            fields={"participantId": ["the organizer cannot be removed; reassign the appointment instead"]},
        )
    appointment_changed(
        appointment=appointment, change=AppointmentChange.PARTICIPANT_REMOVED, participant=participant
    )
    participant.delete()
    return appointment


def _reread(participant: Participant, appointment: Appointment) -> Participant:
    """The participant as stored now, attached to the locked appointment."""
    current = Participant.objects.filter(pk=participant.pk).first()
    if current is None:
        raise NotFound(f"participant {participant.participant_id} not found")
    current.appointment = appointment
    return current
