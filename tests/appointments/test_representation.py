"""The appointment serializers' one-pass rendering equals DRF's own rendering of their declared fields.

The declared fields are the contract: the OpenAPI schema is generated from them.
If a field is added, renamed or changes shape there and not in to_representation,
these tests fail.
"""

from datetime import timedelta

import pytest
from rest_framework import serializers

from appointments.models import InteractionState
from appointments.selectors import _PAGE_PARTICIPANTS
from appointments.serializers import AppointmentSerializer, GetAppointmentResponseSerializer
from participants.models import ParticipantState, ParticipantType
from tests.factories import AppointmentFactory, CustomerFactory, ParticipantFactory


def declared_rendering(serializer_class, appointment) -> dict:
    """What DRF renders from the serializer's declared fields, walking them one by one."""
    data = serializers.Serializer.to_representation(serializer_class(), appointment)
    if serializer_class is GetAppointmentResponseSerializer and not appointment.room_url:
        data.pop("roomAccess")  # the document's rule: only once activated
    return data


def variety(application) -> list:
    plain = AppointmentFactory(application=application)
    full = AppointmentFactory(
        application=application,
        title="Installation review",
        notes="CRM ref: 3nv",
        metadata={"refNo": "CS-9838", "nested": {"list": [1, 2.5, None, True]}},
        notification_headers={"x-channel": "widget"},
        custom_fields={"property1": "string"},
        routing_properties={"deploymentId": "c461a74"},
        routing_type="TALKDESK_DIGITAL_CONNECT",
        locale="de_DE",
        timezone="America/New_York",
        duration=timedelta(days=1, hours=2, minutes=5, seconds=7),
        room_url="https://video.example.com/room/abc",
        interaction_state=InteractionState.COMPLETE,
        notifications_active=False,
    )
    CustomerFactory(appointment=full, state=ParticipantState.JOINED)
    ParticipantFactory(appointment=full, participant_id="agent-9", type=ParticipantType.AGENT)
    # An organizer who is not (or no longer) among the participants.
    orphan = AppointmentFactory(application=application, organizer_id="gone", with_organizer=False)
    customer_led = AppointmentFactory(
        application=application, organizer_type="CUSTOMER", with_organizer=False
    )
    CustomerFactory(appointment=customer_led, participant_id=customer_led.organizer_id, state="LEFT")
    return [plain, full, orphan, customer_led]


@pytest.mark.parametrize("serializer_class", [AppointmentSerializer, GetAppointmentResponseSerializer])
def test_one_pass_rendering_equals_the_declared_fields(application, serializer_class):
    for appointment in variety(application):
        assert serializer_class(appointment).data == declared_rendering(serializer_class, appointment)


def test_a_page_renders_the_same_from_its_slim_participants(application):
    appointments = variety(application)
    page = list(
        type(appointments[0])
        .objects.filter(pk__in=[a.pk for a in appointments])
        .order_by("start", "id")
        .prefetch_related(_PAGE_PARTICIPANTS)
    )

    rendered = AppointmentSerializer(page, many=True).data

    assert rendered == [declared_rendering(AppointmentSerializer, appointment) for appointment in page]
    assert [item["participantIds"] for item in rendered] == [
        [{"id": p.participant_id, "state": p.state, "type": p.type} for p in a.participants.all()]
        for a in page
    ]
