"""Reads of participants through the caller's rights on their appointment."""

from collections.abc import Iterable

from appointments.selectors import acting_roles, appointment_get, has_ended
from core.errors import NotFound
from participants.models import Participant, ParticipantType
from tenants.principal import Principal
from tenants.roles import Role


def participant_get(
    *, principal: Principal, appointment_id, participant_id: str, roles: Iterable[str] | None = None
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


def _participant_of(appointment, participant_id: str) -> Participant:
    # The appointment came with its participants prefetched: no further query.
    for participant in appointment.participants.all():
        if participant.participant_id == participant_id:
            participant.appointment = appointment
            return participant
    raise NotFound(f"participant {participant_id} not found")
