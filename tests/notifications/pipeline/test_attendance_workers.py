"""customer.waiting through real processes: beat's attendance tick runs in a worker, the webhook arrives once.

Beat (django-celery-beat's DatabaseScheduler) and a Celery worker consuming both the send
queue and the tick queue are separate processes on the test's database and broker; the
webhook goes to a receiver on loopback. Real time, so the wait is set up in the past.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.participant_services import participant_update_state
from appointments.services import appointment_schedule
from bench.fakes import SmtpSink
from notifications.backends.webhook import DELIVERY_HEADER
from notifications.models import Delivery, DeliveryStatus
from notifications.services import webhook_endpoint_create
from participants.models import Participant, ParticipantType
from participants.services import CustomerDetails
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.processes import Processes, database_url_shared_with_children, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    url, restore = database_url_shared_with_children(tmp_path)
    yield url
    restore()


@pytest.fixture
def group(tmp_path, shared_database):
    smtp = SmtpSink().start()
    processes = Processes(
        tmp_path,
        database_url=shared_database,
        smtp=smtp,
        twilio_url="http://127.0.0.1:9",  # nothing here sends SMS
        NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE="1",
        APPOINTMENTS_ATTENDANCE_INTERVAL_SECONDS="1",
    )
    yield processes
    processes.stop_all()
    smtp.stop()


def test_beat_and_a_worker_raise_customer_waiting_once_and_the_webhook_arrives_once(group, webhook_receiver):
    application = ApplicationFactory(notifications_active=True, waiting_escalation_minutes=3)
    endpoint = webhook_endpoint_create(
        application=application, url=webhook_receiver.url(), events=["customer.waiting"], secret="s" * 32
    )
    now = timezone.now()
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=now - timedelta(minutes=10),
        duration=timedelta(hours=1),
        timezone="Europe/Berlin",
        customer=CustomerDetails(first_name="Bobby", last_name="Ewing"),
    )
    customer = Participant.objects.get(appointment=appointment, type=ParticipantType.CUSTOMER)
    participant_update_state(participant=customer, state="WAITING")
    # Real processes keep real time: the customer began waiting five minutes ago.
    Participant.objects.filter(pk=customer.pk).update(state_changed_at=now - timedelta(minutes=5))

    group.worker("worker", ticks=True)
    group.beat()
    try:
        wait_until(lambda: len(webhook_receiver.requests) >= 1, timeout=90, message="no webhook arrived")
        # Beat ticks every second: give it several more ticks, none of which may raise it again.
        time.sleep(4)
    except AssertionError:
        pytest.fail(group.logs())

    [request] = webhook_receiver.requests
    assert request.json()["event"] == "customer.waiting"
    assert request.json()["waiting"]["customerIds"] == [customer.participant_id]
    [row] = Delivery.objects.filter(appointment_id=appointment.pk, type="customer.waiting")
    assert (row.webhook_endpoint_id, row.status) == (endpoint.pk, DeliveryStatus.SENT)
    assert request.headers[DELIVERY_HEADER.lower()] == str(row.pk)
    assert Appointment.objects.get(pk=appointment.pk).waiting_escalated_at is not None
