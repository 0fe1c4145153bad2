"""Writes of participant rows. The rules of taking part (locks, conflicts, notifications) live in
appointments.participant_services, which calls these inside its transactions."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from participants.models import Participant, ParticipantType


@dataclass(frozen=True)
class CustomerDetails:
    """A customer as the API describes one; the phone is already E.164, the email validated."""

    username: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def customer_create(
    *,
    application_id: uuid.UUID,
    appointment_id: uuid.UUID,
    customer: CustomerDetails,
    participant_id: str | None = None,
) -> Participant:
    """Insert a CUSTOMER participant (a fresh public id unless given); callers emit the change."""
    return Participant.objects.create(
        application_id=application_id,
        appointment_id=appointment_id,
        participant_id=participant_id or str(uuid.uuid4()),
        type=ParticipantType.CUSTOMER,
        username=customer.username,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        metadata=customer.metadata,
    )


def agent_create(*, application_id: uuid.UUID, appointment_id: uuid.UUID, agent_id: str) -> Participant:
    """Insert an AGENT participant; the unique constraint refuses a second one (IntegrityError)."""
    return Participant.objects.create(
        application_id=application_id,
        appointment_id=appointment_id,
        participant_id=agent_id,
        type=ParticipantType.AGENT,
    )
