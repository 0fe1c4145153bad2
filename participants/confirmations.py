"""A participant's answer to "will you attend?": one service, one event.

Customers answer by SMS reply (notifications' inbound webhook) or by the confirm and
decline links of their emails; both record it here. Apps above subscribe to
PARTICIPANT_CONFIRMATION_RECORDED (notifications sends the participant.confirmed /
participant.declined webhooks) in their AppConfig.ready(); handlers run in the
recording transaction.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.events import Event
from participants.models import Confirmation, Participant

ANSWERS = (Confirmation.CONFIRMED, Confirmation.DECLINED)
CHANNELS = ("SMS", "EMAIL")


@dataclass(frozen=True)
class ConfirmationRecorded:
    participant: Participant
    previous: str  # the Confirmation before this answer


PARTICIPANT_CONFIRMATION_RECORDED: Event[ConfirmationRecorded] = Event("participants.confirmation_recorded")


@transaction.atomic
def participant_confirmation_record(
    *, participant: Participant, answer: str, channel: str, at: datetime | None = None
) -> bool:
    """Record `answer` (CONFIRMED or DECLINED) given on `channel`; False when it was already the answer.

    A customer may change their mind (confirm, then decline); the same answer twice
    changes nothing and announces nothing, so a double click or a repeated SMS does
    not send a second webhook.
    """
    if answer not in ANSWERS:
        raise InvalidInput.for_field("answer", f"must be one of {', '.join(ANSWERS)}")
    if channel not in CHANNELS:
        raise InvalidInput.for_field("channel", f"must be one of {', '.join(CHANNELS)}")
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.confirmation == answer:
        return False
    previous = locked.confirmation
    locked.confirmation = answer
    locked.confirmation_at = at or timezone.now()
    locked.confirmation_channel = channel
    locked.save(update_fields=["confirmation", "confirmation_at", "confirmation_channel", "updated_at"])
    PARTICIPANT_CONFIRMATION_RECORDED.publish(ConfirmationRecorded(participant=locked, previous=previous))
    return True
