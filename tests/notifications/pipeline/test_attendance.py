"""customer.waiting and appointment.no_show: the webhooks and the organizer's email, through the pipeline.

The appointment is marked by appointments/attendance.py at fixed times; the rows it
plans go to a loopback webhook receiver and a real SMTP server on loopback.
"""

from datetime import timedelta

import pytest

from appointments.attendance import CustomerWaiting, attendance_tick
from appointments.models import Appointment
from appointments.participant_services import participant_add_customer, participant_update_state
from appointments.services import appointment_end
from notifications.backends.webhook import DELIVERY_HEADER, EVENT_HEADER
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.attendance import waiting_email_text
from notifications.services import webhook_endpoint_create
from participants.models import Participant, ParticipantType
from participants.services import CustomerDetails
from tests.notifications.pipeline.conftest import START

pytestmark = pytest.mark.usefixtures("now")

AGENT_EMAIL = "alex.morgan@acme.example"


@pytest.fixture
def endpoints(notifying, webhook_receiver):
    """One endpoint for each attendance event and one that listens for CREATE only."""
    for path, events in (
        ("/waiting", ["customer.waiting"]),
        ("/no-show", ["appointment.no_show"]),
        ("/create", ["CREATE"]),
    ):
        webhook_endpoint_create(
            application=notifying, url=webhook_receiver.url(path), events=events, secret="s" * 32
        )
    return webhook_receiver


@pytest.fixture
def booked(schedule):
    """An appointment whose organizing agent has an email address, its customer WAITING from the start."""
    appointment = schedule()
    Participant.objects.filter(appointment=appointment, participant_id="agent-1").update(
        email=AGENT_EMAIL, first_name="Alex", last_name="Morgan"
    )
    return appointment


def wait_from_start(appointment, time_machine):
    time_machine.move_to(START, tick=False)
    customer = Participant.objects.get(appointment=appointment, type=ParticipantType.CUSTOMER)
    participant_update_state(participant=customer, state="WAITING")
    return customer


def tick_and_send(django_capture_on_commit_callbacks):
    """The attendance tick; the rows it plans are sent when its transactions commit (eager tasks)."""
    with django_capture_on_commit_callbacks(execute=True):
        return attendance_tick()


def requests_to(receiver, path):
    return [request for request in receiver.requests if request.path == path]


def test_customer_waiting_reaches_its_endpoints_and_the_organizer_once(
    booked,
    endpoints,
    email_sender,
    smtp_server,
    eager_tasks,
    time_machine,
    django_capture_on_commit_callbacks,
):
    customer = wait_from_start(booked, time_machine)
    time_machine.move_to(START + timedelta(minutes=3), tick=False)

    assert tick_and_send(django_capture_on_commit_callbacks)["escalated"] == 1
    assert tick_and_send(django_capture_on_commit_callbacks)["escalated"] == 0

    [hook] = requests_to(endpoints, "/waiting")
    assert hook.headers[EVENT_HEADER.lower()] == "customer.waiting"
    body = hook.json()
    assert body["event"] == "customer.waiting"
    assert body["appointment"]["id"] == str(booked.pk)
    assert body["waiting"] == {
        "since": "2030-03-05T09:00:00Z",
        "minutes": 3,
        "escalatedAt": "2030-03-05T09:03:00Z",
        "customerIds": [customer.participant_id],
    }
    assert requests_to(endpoints, "/no-show") == [] and requests_to(endpoints, "/create") == []

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [AGENT_EMAIL]
    assert mail.message["Subject"] == "A customer is waiting: Mortgage advice"
    text = mail.message.get_content()
    assert "Hello Alex Morgan," in text
    assert (
        "Bobby Ewing has been waiting for 3 minutes in the video room, and no agent has joined yet." in text
    )
    assert "Start: Tuesday 5 March 2030, 10:00 CET" in text

    rows = Delivery.objects.filter(appointment_id=booked.pk, type="customer.waiting")
    assert sorted((row.channel, row.status) for row in rows) == [
        (DeliveryChannel.EMAIL, DeliveryStatus.SENT),
        (DeliveryChannel.WEBHOOK, DeliveryStatus.SENT),
    ]
    assert mail.message[DELIVERY_HEADER] == str(rows.get(channel=DeliveryChannel.EMAIL).pk)


def test_no_show_goes_to_its_endpoints_when_the_appointment_ends(
    booked, endpoints, eager_tasks, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(START + timedelta(minutes=12), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_end(appointment=booked)

    [hook] = requests_to(endpoints, "/no-show")
    assert hook.json()["event"] == "appointment.no_show"
    assert hook.json()["noShow"] == {"at": "2030-03-05T09:12:00Z", "reason": "ENDED"}
    assert hook.json()["appointment"]["id"] == str(booked.pk)


def test_a_no_show_found_when_the_end_passed_says_so(
    booked, endpoints, eager_tasks, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(START + timedelta(minutes=31), tick=False)

    assert tick_and_send(django_capture_on_commit_callbacks)["no_shows"] == 1

    [hook] = requests_to(endpoints, "/no-show")
    assert hook.json()["noShow"] == {"at": "2030-03-05T09:31:00Z", "reason": "PASSED_END"}
    assert requests_to(endpoints, "/waiting") == []


def test_switched_off_notifications_send_nothing_but_the_appointment_is_marked(
    booked, endpoints, email_sender, notifying, time_machine
):
    notifying.notifications_active = False
    notifying.save(update_fields=["notifications_active"])
    wait_from_start(booked, time_machine)
    time_machine.move_to(START + timedelta(minutes=31), tick=False)
    Appointment.objects.filter(pk=booked.pk).update(end=START + timedelta(minutes=40))
    attendance_tick()
    time_machine.move_to(START + timedelta(minutes=41), tick=False)
    attendance_tick()

    marked = Appointment.objects.get(pk=booked.pk)
    assert marked.waiting_escalated_at is not None and marked.no_show_at is not None
    assert not Delivery.objects.filter(type__in=["customer.waiting", "appointment.no_show"]).exists()


@pytest.mark.parametrize("missing", ["address", "sender"])
def test_no_email_without_the_agents_address_or_a_verified_sender(
    booked, endpoints, email_sender, time_machine, missing
):
    if missing == "address":
        Participant.objects.filter(appointment=booked, participant_id="agent-1").update(email="")
    else:
        email_sender.delete()
    wait_from_start(booked, time_machine)
    time_machine.move_to(START + timedelta(minutes=5), tick=False)

    attendance_tick()

    rows = Delivery.objects.filter(appointment_id=booked.pk, type="customer.waiting")
    assert [row.channel for row in rows] == [DeliveryChannel.WEBHOOK]


def test_the_email_names_every_waiting_customer(booked, time_machine):
    second = participant_add_customer(appointment=booked, customer=CustomerDetails(first_name="Sue Ellen"))
    first = Participant.objects.filter(appointment=booked, type=ParticipantType.CUSTOMER).first()
    agent = Participant.objects.get(appointment=booked, participant_id="agent-1")

    subject, text = waiting_email_text(
        CustomerWaiting(
            appointment=Appointment.objects.get(pk=booked.pk),
            customers=(first, second),
            waiting_since=START,
            escalated_at=START + timedelta(minutes=1),
        ),
        agent,
    )

    assert subject == "A customer is waiting: Mortgage advice"
    assert "Bobby Ewing and Sue Ellen have been waiting for 1 minute in the video room" in text
    assert "Join: (no video room yet)" in text
