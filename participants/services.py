"""Writes of appointment participants; each passes through the appointment change hook."""

import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from appointments.changes import AppointmentChange, appointment_changed
from appointments.models import Appointment
from appointments.selectors import appointment_lock
from core.errors import Conflict, InvalidInput, NotFound
from participants.models import Participant, ParticipantState, ParticipantType

# States a participant may be moved to through the API ("active" is only the initial one).
SETTABLE_STATES = (ParticipantState.WAITING, ParticipantState.JOINED, ParticipantState.LEFT)


@dataclass(frozen=True)
class CustomerDetails:
    """A customer as the API describes one; the phone is already E.164, the email validated."""

    username: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    metadata: dict = field(default_factory=dict)


def customer_create(
    *, appointment: Appointment, customer: CustomerDetails, participant_id: str | None = None
) -> Participant:
    """Insert a CUSTOMER participant (a fresh public id unless given); callers emit the change."""
    return Participant.objects.create(
        application_id=appointment.application_id,
        appointment=appointment,
        participant_id=participant_id or str(uuid.uuid4()),
        type=ParticipantType.CUSTOMER,
        username=customer.username,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        metadata=customer.metadata,
    )


def agent_create(*, appointment: Appointment, agent_id: str) -> Participant:
    """Insert an AGENT participant; the unique constraint refuses a second one (IntegrityError)."""
    return Participant.objects.create(
        application_id=appointment.application_id,
        appointment=appointment,
        participant_id=agent_id,
        type=ParticipantType.AGENT,
    )


@transaction.atomic
def participant_add_agent(*, appointment: Appointment, agent_id: str) -> Participant:
    """Add an agent; an agent already taking part is a Conflict, decided by the database."""
    appointment = appointment_lock(appointment=appointment)
    try:
        with transaction.atomic():
            participant = agent_create(appointment=appointment, agent_id=agent_id)
    except IntegrityError:
        if not Participant.objects.filter(appointment=appointment, participant_id=agent_id).exists():
            raise
        raise Conflict(f"agent {agent_id} is already a participant of appointment {appointment.pk}") from None
    appointment_changed(
        appointment=appointment, change=AppointmentChange.PARTICIPANT_ADDED, participant=participant
    )
    return participant


@transaction.atomic
def participant_add_customer(*, appointment: Appointment, customer: CustomerDetails) -> Participant:
    appointment = appointment_lock(appointment=appointment)
    participant = customer_create(appointment=appointment, customer=customer)
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
    participant.save(update_fields=["state", "updated_at"])
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
