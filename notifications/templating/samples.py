"""Sample appointment data for test sends and for the tag examples: never saved."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings

from appointments.models import Appointment
from participants.models import Participant, ParticipantType

SAMPLE_APPOINTMENT_ID = uuid.UUID("f46f165d-383a-4432-9a3e-9c805a152e0c")
SAMPLE_DURATION = timedelta(minutes=30)
# Untimed notifications (CREATE, UPDATE, CANCEL) show an appointment this far ahead.
SAMPLE_LEAD_TIME = timedelta(days=1)


def sample_start(*, now: datetime, period: timedelta | None) -> datetime:
    """When the sample appointment starts: `period` (or a day) from now, on a whole quarter hour."""
    start = now + (period or SAMPLE_LEAD_TIME)
    start = start.replace(second=0, microsecond=0)
    return start + timedelta(minutes=-start.minute % 15)


def sample_appointment(*, application, start: datetime, timezone: str, locale: str) -> Appointment:
    return Appointment(
        id=SAMPLE_APPOINTMENT_ID,
        application=application,
        organizer_id="sample-agent",
        title="Product installation review",
        notes="CRM ref: 3nv-1gt-4rt",
        locale=locale,
        timezone=timezone,
        start=start,
        duration=SAMPLE_DURATION,
        end=start + SAMPLE_DURATION,
        room_url=f"{settings.ROOM_BASE_URL}/q/pij-gws",
    )


def sample_organizer(appointment: Appointment) -> Participant:
    return Participant(
        appointment=appointment,
        application_id=appointment.application_id,
        participant_id=appointment.organizer_id,
        type=ParticipantType.AGENT,
        first_name="Alex",
        last_name="Morgan",
    )


def sample_recipient(appointment: Appointment, *, email: str = "", phone: str = "") -> Participant:
    return Participant(
        appointment=appointment,
        application_id=appointment.application_id,
        participant_id="sample-customer",
        type=ParticipantType.CUSTOMER,
        first_name="Bobby",
        last_name="Ewing",
        email=email,
        phone=phone,
    )
