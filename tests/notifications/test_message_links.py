"""Links in messages: today's with shortLinks off, /l/ links with it on; confirm links only when asked for."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from calendars.short_links import LinkPurpose, token_decode
from notifications.templating import rendering
from notifications.templating.samples import sample_appointment, sample_recipient
from tests.factories import AppointmentFactory, CustomerFactory

TEXT = (
    "Hello {{firstName}}\nJoin: {{roomUrl}}\nCalendar: {{icsUrl}}\nGoogle: {{googleCalendarUrl}}\n"
    "Confirm: {{confirmUrl}}\nDecline: {{declineUrl}}\nBye"
)
BASE = "https://appointments.acme.example"


@pytest.fixture
def customer(db):
    appointment = AppointmentFactory(start=datetime(2030, 1, 31, 19, 0, tzinfo=UTC))
    return CustomerFactory(appointment=appointment, first_name="Bobby")


def rendered(customer, *, short_links=False, confirmation_requests=False) -> list[str]:
    application = customer.appointment.application
    application.short_links = short_links
    application.confirmation_requests = confirmation_requests
    application.save(update_fields=["short_links", "confirmation_requests"])
    context = rendering.build_context(appointment=customer.appointment, recipient=customer, locale="en_US")
    return rendering.render_text_body(TEXT, context).split("\n")


def link_of(line: str):
    label, url = line.split(": ", 1)
    assert url.startswith(f"{BASE}/l/")
    return token_decode(url.removeprefix(f"{BASE}/l/"))


@override_settings(PUBLIC_BASE_URL=BASE)
def test_with_short_links_off_messages_keep_todays_links(customer):
    appointment_id = customer.appointment.pk
    assert rendered(customer) == [
        "Hello Bobby",
        f"Calendar: {BASE}/api/cal/events/ical/{appointment_id}/event",
        f"Google: {BASE}/api/cal/events/google/{appointment_id}/event",
        "Bye",
    ]


@override_settings(PUBLIC_BASE_URL=BASE)
def test_with_short_links_on_the_join_and_calendar_links_go_through_the_service(customer):
    lines = rendered(customer, short_links=True)
    # The join link is there before the room is: the page says when it opens.
    assert [line.split(":")[0] for line in lines] == ["Hello Bobby", "Join", "Calendar", "Google", "Bye"]
    purposes = [link_of(line).purpose for line in lines[1:4]]
    assert purposes == [LinkPurpose.JOIN, LinkPurpose.ICS, LinkPurpose.GOOGLE]
    link = link_of(lines[1])
    assert (link.appointment_id, link.participant_pk) == (customer.appointment.pk, customer.pk)
    assert link.start == customer.appointment.start


@override_settings(PUBLIC_BASE_URL=BASE)
def test_confirm_and_decline_links_only_with_confirmation_requests(customer):
    lines = rendered(customer, confirmation_requests=True)
    confirm, decline = (line for line in lines if line.startswith(("Confirm", "Decline")))
    assert link_of(confirm).purpose == LinkPurpose.CONFIRM
    assert link_of(decline).purpose == LinkPurpose.DECLINE
    assert link_of(confirm).participant_pk == customer.pk
    # Short links off: the room line still follows today's rule.
    assert not any(line.startswith("Join") for line in lines)


def test_each_recipient_gets_their_own_link(customer):
    other = CustomerFactory(appointment=customer.appointment)
    customer.appointment.application.short_links = True
    customer.appointment.application.save(update_fields=["short_links"])
    values = [
        rendering.build_context(appointment=customer.appointment, recipient=person, locale="en_US").values[
            "roomUrl"
        ]
        for person in (customer, other)
    ]
    assert values[0] != values[1]


def test_the_tag_catalogue_and_unsaved_samples_keep_plain_links(db):
    appointment = AppointmentFactory.build()
    context = rendering.build_context(
        appointment=appointment, recipient=CustomerFactory.build(appointment=appointment), locale="en_US"
    )
    assert context.values["confirmUrl"] == ""
    assert "/api/cal/events/ical/" in context.values["icsUrl"]
    assert "confirmUrl" in rendering.VALUE_TAGS and "declineUrl" in rendering.VALUE_TAGS
    rendering.validate("Confirm: {{confirmUrl}} / {{ declineUrl }}")


@override_settings(PUBLIC_BASE_URL=BASE)
def test_a_test_send_keeps_the_sample_room_and_its_confirm_link_names_nobody(application):
    application.short_links = application.confirmation_requests = True
    application.save(update_fields=["short_links", "confirmation_requests"])
    appointment = sample_appointment(
        application=application,
        start=datetime(2030, 1, 31, 19, 0, tzinfo=UTC),
        timezone="UTC",
        locale="en_US",
    )
    context = rendering.build_context(
        appointment=appointment, recipient=sample_recipient(appointment), locale="en_US"
    )
    assert context.values["roomUrl"] == appointment.room_url
    assert link_of(f"Confirm: {context.values['confirmUrl']}").participant_pk == 0
