"""A reminder email's short links, through a real Celery worker and the dispatch tick beat runs.

The reminder goes out by SMTP to a loopback server; the appointment is then
rescheduled, and the link in the email, followed as a person would, shows the
new time and says it moved. Its confirm link records nothing until its button is pressed.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import appointment_reschedule, appointment_schedule
from notifications.models import ChannelSender, Delivery, NotificationTemplate
from participants.models import Confirmation, Participant
from participants.services import CustomerDetails
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.processes import (
    Processes,
    SlowSmtpSink,
    database_url_shared_with_children,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BASE = "http://testserver"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    url, restore = database_url_shared_with_children(tmp_path)
    yield url
    restore()


@pytest.fixture
def smtp():
    sink = SlowSmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def processes(tmp_path, shared_database, smtp):
    group = Processes(tmp_path, database_url=shared_database, smtp=smtp, twilio_url="", PUBLIC_BASE_URL=BASE)
    yield group
    group.stop_all()


def test_a_reminders_link_followed_after_a_reschedule_shows_the_new_time(processes, smtp, settings):
    settings.PUBLIC_BASE_URL = BASE
    application = ApplicationFactory(notifications_active=True, short_links=True, confirmation_requests=True)
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="acme.example", verified_at=timezone.now()
    )
    period = timedelta(hours=1)
    NotificationTemplate.objects.create(
        application=application, type="REMINDER", channel="EMAIL", locale="en_US", period=period,
        subject="Soon: {{title}}",
        text_body="Hi {{firstName}},\nJoin: {{roomUrl}}\nConfirm: {{confirmUrl}}\nDecline: {{declineUrl}}\n",
    )  # fmt: skip
    start = (timezone.now() + period + timedelta(seconds=2)).replace(microsecond=0)
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=start,
        duration=timedelta(minutes=30),
        timezone="Europe/Berlin",
        title="Mortgage advice",
        customer=CustomerDetails(first_name="Bobby", email="bobby@example.com"),
    )

    processes.worker("worker", ticks=True)
    processes.beat()
    try:
        wait_until(lambda: len(smtp.messages) == 1, timeout=60, message="no reminder email")
    except AssertionError:
        pytest.fail(f"no reminder\n{processes.logs()}")
    text = smtp.messages[0].part("text/plain") or ""
    links = dict(re.findall(rf"^(\w+): ({re.escape(BASE)}/l/[\w-]+)$", text, flags=re.M))
    assert set(links) == {"Join", "Confirm", "Decline"}, text
    assert all(len(url) < 100 for url in links.values())
    assert Delivery.objects.get(appointment_id=appointment.pk).status == "SENT"

    new_start = start + timedelta(days=2)
    appointment_reschedule(
        appointment=Appointment.objects.get(pk=appointment.pk),
        start=new_start,
        duration=timedelta(minutes=30),
        timezone="Europe/Berlin",
    )
    browser = Client()
    page = browser.get(links["Join"].removeprefix(BASE)).content.decode()
    local = new_start.astimezone(BERLIN)
    assert f"{local:%B} {local.day}, {local.year}" in page
    old = start.astimezone(BERLIN)
    assert f"This appointment has moved. It was on {old:%A}, {old:%B} {old.day}, {old.year}" in page

    customer = Participant.objects.get(appointment_id=appointment.pk, type="CUSTOMER")
    confirm = links["Confirm"].removeprefix(BASE)
    browser.get(confirm)
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.NONE
    browser.post(confirm)
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.CONFIRMED
