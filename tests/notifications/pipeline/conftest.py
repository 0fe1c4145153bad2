"""Fixtures for the delivery pipeline: an application that notifies, templates, a booked appointment,
and real worker processes with the loopback SMTP server and Twilio fake they send to."""

from datetime import UTC, datetime, timedelta

import pytest

from appointments.services import appointment_schedule
from bench.fakes import TwilioFake
from notifications.models import Channel, NotificationType
from notifications.services import template_create, webhook_endpoint_create
from participants.services import CustomerDetails
from tests.notifications.pipeline.processes import Processes, SlowSmtpSink, database_url_shared_with_children

# Every pipeline test runs at a known "now"; the appointment starts a day later.
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
REMINDER_PERIOD = timedelta(hours=2)
ROOM_PERIOD = timedelta(minutes=10)
CUSTOMER_EMAIL = "bobby@example.com"
CUSTOMER_PHONE = "+306931221100"


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def notifying(application):
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    return application


@pytest.fixture
def templates(notifying, email_sender, sms_sender):
    """CREATE/UPDATE/CANCEL/REMINDER/ROOM templates on both channels, en_US."""
    made = {}
    for type in NotificationType.values:
        period = {"REMINDER": REMINDER_PERIOD, "ROOM": ROOM_PERIOD}.get(type)
        made[(type, "EMAIL")] = template_create(
            application=notifying,
            type=type,
            channel=Channel.EMAIL,
            locale="en_US",
            subject=f"{type}: {{{{title}}}}",
            text_body=f"Hi {{{{firstName}}}}, {type} {{{{title}}}} at {{{{HH:mm}}}} {{{{roomUrl}}}}",
            period=period,
        )
        made[(type, "SMS")] = template_create(
            application=notifying,
            type=type,
            channel=Channel.SMS,
            locale="en_US",
            text_body=f"{type} {{{{title}}}} at {{{{HH:mm}}}} {{{{roomUrl}}}}",
            period=period,
        )
    return made


@pytest.fixture
def schedule(notifying):
    """schedule(**overrides) -> an appointment with one customer, through the real service."""

    def _schedule(**overrides):
        arguments = {
            "application": notifying,
            "organizer_id": "agent-1",
            "start": START,
            "duration": timedelta(minutes=30),
            "timezone": "Europe/Berlin",
            "title": "Mortgage advice",
            "customer": CustomerDetails(
                first_name="Bobby", last_name="Ewing", email=CUSTOMER_EMAIL, phone=CUSTOMER_PHONE
            ),
        }
        arguments.update(overrides)
        return appointment_schedule(**arguments)

    return _schedule


@pytest.fixture
def hook_endpoint(notifying, webhook_receiver):
    return webhook_endpoint_create(
        application=notifying,
        url=webhook_receiver.url(),
        events=["CREATE", "UPDATE", "CANCEL", "REMINDER"],
        secret="s" * 32,
    )


@pytest.fixture
def eager_tasks():
    """Run queued Celery tasks in this process at once (the real-worker tests use real workers)."""
    from config.celery import app

    # Under the CELERY namespace, celery 5.6 reads the prefixed name before the plain one.
    app.conf.update(task_always_eager=True, CELERY_TASK_ALWAYS_EAGER=True)
    yield
    app.conf.update(task_always_eager=False, CELERY_TASK_ALWAYS_EAGER=False)


# --- real worker and sweeper processes (tests marked slow, django_db(transaction=True)) ---


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
def twilio():
    fake = TwilioFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def processes(tmp_path, shared_database, smtp, twilio):
    """processes(**settings) -> a Processes group on the test's database and the loopback fakes."""
    made = []

    def _make(**settings) -> Processes:
        group = Processes(
            tmp_path, database_url=shared_database, smtp=smtp, twilio_url=twilio.base_url, **settings
        )
        made.append(group)
        return group

    yield _make
    for group in made:
        group.stop_all()
