"""Reads for the public calendar endpoints."""

from appointments.models import Appointment
from core.errors import InvalidInput, NotFound
from core.ids import parse_uuid


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
