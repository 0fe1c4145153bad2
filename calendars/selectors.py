"""Reads for the public calendar endpoints and the short links."""

import uuid

from appointments.models import Appointment
from core.errors import InvalidInput, NotFound
from core.ids import parse_uuid
from participants.models import Participant


def appointment_get_for_calendar(*, appointment_id: str) -> Appointment:
    """One appointment by its id alone, with its participants.

    The calendar links are opened from emails by calendar apps and browsers
    that carry no token, so there is no principal to scope by: the random
    UUID is the capability, as the API document has it.
    """
    key = parse_uuid(appointment_id)
    if key is None:
        raise InvalidInput.for_field(
            "id", f"{appointment_id!r} is not a valid appointment id (a UUID in its 36-character form)"
        )
    appointment = Appointment.objects.filter(pk=key).prefetch_related("participants").first()
    if appointment is None:
        raise NotFound(f"appointment {appointment_id} not found")
    return appointment


def link_target_get(
    *, appointment_id: uuid.UUID, participant_pk: int
) -> tuple[Appointment | None, Participant | None]:
    """The appointment a short link names (None once deleted) and its participant the link was sent to.

    The signed token is the capability, as the UUID is for the calendar links; the
    participant must still belong to that appointment. Two queries.
    """
    appointment = (
        Appointment.objects.select_related("application")
        .prefetch_related("participants")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return None, None
    participant = next((p for p in appointment.participants.all() if p.pk == participant_pk), None)
    return appointment, participant
