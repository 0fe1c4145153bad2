"""participant_confirmation_record: answers, changing one's mind, no second event for the same answer."""

import pytest

from core.errors import InvalidInput
from participants.confirmations import PARTICIPANT_CONFIRMATION_RECORDED, participant_confirmation_record
from participants.models import Confirmation
from tests.factories import AppointmentFactory, CustomerFactory


@pytest.fixture
def recorded():
    seen = []

    def handler(event):
        seen.append((event.participant.confirmation, event.previous, event.participant.confirmation_channel))

    PARTICIPANT_CONFIRMATION_RECORDED.subscribe(handler)
    yield seen
    PARTICIPANT_CONFIRMATION_RECORDED.unsubscribe(handler)


def test_an_answer_is_recorded_once_and_a_change_of_mind_again(application, recorded):
    customer = CustomerFactory(appointment=AppointmentFactory(application=application))

    assert participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="SMS") is True
    assert participant_confirmation_record(participant=customer, answer="CONFIRMED", channel="EMAIL") is False
    assert participant_confirmation_record(participant=customer, answer="DECLINED", channel="EMAIL") is True

    customer.refresh_from_db()
    assert (customer.confirmation, customer.confirmation_channel) == (Confirmation.DECLINED, "EMAIL")
    assert customer.confirmation_at is not None
    assert recorded == [("CONFIRMED", "NONE", "SMS"), ("DECLINED", "CONFIRMED", "EMAIL")]


@pytest.mark.parametrize(
    ("answer", "channel", "field"), [("MAYBE", "SMS", "answer"), ("CONFIRMED", "FAX", "channel")]
)
def test_unknown_answers_and_channels_are_refused(application, recorded, answer, channel, field):
    customer = CustomerFactory(appointment=AppointmentFactory(application=application))

    with pytest.raises(InvalidInput) as refused:
        participant_confirmation_record(participant=customer, answer=answer, channel=channel)

    assert field in refused.value.fields
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.NONE
    assert recorded == []
