"""Email confirm and decline links: a GET shows a button and never records; the button's POST does."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from appointments.services import appointment_delete
from calendars.short_links import LinkPurpose, short_link
from participants.confirmations import PARTICIPANT_CONFIRMATION_RECORDED
from participants.models import Confirmation
from tests.factories import AppointmentFactory, CustomerFactory

BEFORE = datetime(2030, 1, 20, 10, 0, tzinfo=UTC)
START = datetime(2030, 1, 31, 19, 0, tzinfo=UTC)


@pytest.fixture
def customer(db):
    return CustomerFactory(appointment=AppointmentFactory(start=START, locale="de_DE"))


def path_of(customer, purpose) -> str:
    url = short_link(purpose=purpose, appointment=customer.appointment, participant_pk=customer.pk)
    return url.removeprefix("http://localhost:8000")


@pytest.fixture
def recorded():
    seen: list = []
    handler = PARTICIPANT_CONFIRMATION_RECORDED.subscribe(seen.append)
    yield seen
    PARTICIPANT_CONFIRMATION_RECORDED.unsubscribe(handler)


@time_machine.travel(BEFORE, tick=False)
@pytest.mark.parametrize("method", ["get", "head"])
def test_fetching_the_link_changes_nothing(client, customer, recorded, method):
    for purpose in (LinkPurpose.CONFIRM, LinkPurpose.DECLINE):
        for _ in range(3):  # a mail scanner, a preview, the person
            response = getattr(client, method)(path_of(customer, purpose))
            assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.NONE
    assert recorded == []


@time_machine.travel(BEFORE, tick=False)
def test_the_page_shows_the_appointment_and_a_button_that_posts(client, customer):
    body = client.get(path_of(customer, LinkPurpose.CONFIRM)).content.decode()
    assert '<html lang="de">' in body
    assert "Donnerstag, 31. Januar 2030" in body
    assert '<form method="post"' in body
    assert "Ja, ich nehme teil" in body


@time_machine.travel(BEFORE, tick=False)
def test_posting_confirms_once_then_decline_changes_the_answer(client, customer, recorded):
    confirm = path_of(customer, LinkPurpose.CONFIRM)
    response = client.post(confirm)
    assert response.status_code == 200
    assert "Sie haben Ihre Teilnahme bestätigt" in response.content.decode()
    customer.refresh_from_db()
    assert (customer.confirmation, customer.confirmation_channel) == (Confirmation.CONFIRMED, "EMAIL")
    assert customer.confirmation_at == BEFORE
    client.post(confirm)  # a double click announces nothing more
    assert len(recorded) == 1
    # Opening the link again says it is done instead of offering the button.
    assert '<form method="post"' not in client.get(confirm).content.decode()
    client.post(path_of(customer, LinkPurpose.DECLINE))
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.DECLINED
    assert len(recorded) == 2


def test_an_ended_appointment_cannot_be_confirmed(client, customer):
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        response = client.post(path_of(customer, LinkPurpose.CONFIRM))
    assert '<form method="post"' not in response.content.decode()
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.NONE


@time_machine.travel(BEFORE, tick=False)
def test_a_cancelled_appointment_cannot_be_confirmed(client, customer, recorded):
    link = path_of(customer, LinkPurpose.CONFIRM)
    appointment_delete(appointment=customer.appointment)
    response = client.post(link)
    assert response.status_code == 200
    assert recorded == []


@time_machine.travel(BEFORE, tick=False)
def test_a_sample_link_names_nobody(client, customer):
    url = short_link(purpose=LinkPurpose.CONFIRM, appointment=customer.appointment, participant_pk=0)
    assert client.post(url.removeprefix("http://localhost:8000")).status_code == 404
