"""The single hook through which every notifiable change of an appointment passes.

Every service that changes an appointment calls `appointment_changed` inside its
own transaction. It bumps the appointment's version and publishes
`APPOINTMENT_CHANGED`; the notifications app subscribes to it (in its
AppConfig.ready()) and writes its outbox rows there, so they commit or roll back
together with the change itself.
"""

from dataclasses import dataclass

from django.db.models import F, TextChoices

from appointments.models import Appointment
from core.events import Event
from participants.models import Participant


class AppointmentChange(TextChoices):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    RESCHEDULED = "RESCHEDULED"
    REASSIGNED = "REASSIGNED"
    PARTICIPANT_ADDED = "PARTICIPANT_ADDED"
    PARTICIPANT_REMOVED = "PARTICIPANT_REMOVED"
    PARTICIPANT_STATE_CHANGED = "PARTICIPANT_STATE_CHANGED"
    ACTIVATED = "ACTIVATED"
    ENDED = "ENDED"
    DELETED = "DELETED"


@dataclass(frozen=True)
class AppointmentChanged:
    """What `APPOINTMENT_CHANGED` carries; `participant` is set for the PARTICIPANT_* changes."""

    appointment: Appointment
    change: AppointmentChange
    participant: Participant | None = None


# Published inside the transaction of the change; for DELETED, before the row is deleted.
APPOINTMENT_CHANGED: Event[AppointmentChanged] = Event("appointment.changed")

# A new row starts at version 1 and a deleted row has no version left to bump.
_KEEPS_VERSION = {AppointmentChange.CREATED, AppointmentChange.DELETED}


def appointment_changed(
    *, appointment: Appointment, change: AppointmentChange, participant: Participant | None = None
) -> None:
    """Record that `appointment` changed; call inside the transaction making the change.

    For DELETED, call it before the row is deleted. `participant` names the
    participant for the PARTICIPANT_* changes.
    """
    if change not in _KEEPS_VERSION:
        _bump_version(appointment, change)
    APPOINTMENT_CHANGED.publish(
        AppointmentChanged(appointment=appointment, change=change, participant=participant)
    )


def _bump_version(appointment: Appointment, change: AppointmentChange) -> None:
    fields = ["version", "updated_at"]
    appointment.version = F("version") + 1
    if change == AppointmentChange.RESCHEDULED:
        # iCalendar clients only replace an event whose SEQUENCE grew.
        appointment.sequence = F("sequence") + 1
        fields.append("sequence")
    appointment.save(update_fields=fields)
    # Read the numbers back so that no F() expression lingers on the instance.
    appointment.refresh_from_db(fields=[name for name in fields if name != "updated_at"])
