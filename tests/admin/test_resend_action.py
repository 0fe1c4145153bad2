"""The appointments' "resend notifications" action: fresh deliveries of a type, once per recipient."""

from datetime import timedelta

import pytest

from appointments.services import appointment_reschedule
from notifications.models import Channel, Delivery, DeliveryStatus, NotificationType
from notifications.services import template_create
from tests.admin.deliveries import make_delivery
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/admin/appointments/appointment/"


@pytest.fixture
def notifying(application, email_sender):
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    template_create(
        application=application,
        type=NotificationType.UPDATE,
        channel=Channel.EMAIL,
        locale="en_US",
        subject="Changed: {{title}}",
        text_body="Hi {{firstName}}, {{title}} is now at {{HH:mm}}.",
    )
    return application


@pytest.fixture
def rescheduled(notifying):
    """An appointment of A, rescheduled twice: two UPDATE rows for its customer, the first superseded."""
    appointment = AppointmentFactory(application=notifying, title="Acme kickoff")
    CustomerFactory(appointment=appointment, email="alice@acme.example")
    for minutes in (30, 60):
        appointment = appointment_reschedule(
            appointment=appointment,
            start=appointment.start + timedelta(minutes=minutes),
            duration=appointment.duration,
            timezone=appointment.timezone,
        )
    return appointment


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


def _resend(client, *appointments, type="UPDATE", confirm=False):
    data = {"action": "resend_notifications", "_selected_action": [str(a.pk) for a in appointments]}
    if confirm:
        data |= {"confirm": "yes", "type": type}
    return client.post(APPOINTMENTS, data)


def _messages(client) -> list[str]:
    return [str(m) for m in client.get(APPOINTMENTS).context["messages"]]


def test_resend_asks_for_the_type_then_queues_one_fresh_delivery_per_recipient(
    supervisor_client, rescheduled
):
    updates = Delivery.objects.filter(appointment_id=rescheduled.pk, type=NotificationType.UPDATE)
    before = set(updates.values_list("pk", flat=True))
    assert len(before) == 2  # One per reschedule, the older cancelled as superseded.

    page = _resend(supervisor_client, rescheduled)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="type"' in body and "Acme kickoff" in body
    assert set(updates.values_list("pk", flat=True)) == before  # Asking queues nothing.

    done = _resend(supervisor_client, rescheduled, confirm=True)
    assert done.status_code == 302
    fresh = list(updates.exclude(pk__in=before))
    assert [(d.recipient, d.status, d.appointment_version) for d in fresh] == [
        ("alice@acme.example", DeliveryStatus.PENDING, rescheduled.version)
    ]
    assert _messages(supervisor_client) == [
        "Resent the notifications of 1 appointment(s).",
        "1 delivery(ies) queued; see the delivery log.",
    ]


def test_resend_of_a_type_never_sent_is_reported_and_queues_nothing(supervisor_client, rescheduled):
    count = Delivery.objects.count()
    _resend(supervisor_client, rescheduled, type="REMINDER", confirm=True)
    assert Delivery.objects.count() == count
    assert _messages(supervisor_client) == [
        "Acme kickoff: no REMINDER notification was ever queued for it: there is nothing to send again"
    ]


def test_an_unknown_type_is_refused_on_the_confirmation_page(supervisor_client, rescheduled):
    count = Delivery.objects.count()
    page = _resend(supervisor_client, rescheduled, type="BOGUS", confirm=True)
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert Delivery.objects.count() == count


def test_resend_never_reaches_another_applications_appointments(
    supervisor_client, rescheduled, other_application
):
    theirs = AppointmentFactory(application=other_application, title="Globex secret review")
    make_delivery(theirs, recipient="bob@globex.example", status=DeliveryStatus.SENT)

    page = _resend(supervisor_client, rescheduled, theirs)
    assert [str(obj) for obj in page.context["objects"]] == ["Acme kickoff"]
    _resend(supervisor_client, theirs, confirm=True)
    assert Delivery.objects.filter(appointment_id=theirs.pk).count() == 1


def test_resend_is_listed_among_the_actions(supervisor_client, rescheduled):
    actions = dict(supervisor_client.get(APPOINTMENTS).context["action_form"].fields["action"].choices)
    assert actions["resend_notifications"] == "Resend notifications of selected appointments"


def test_the_appointment_page_counts_its_deliveries_and_links_to_them(
    supervisor_client, application, django_assert_max_num_queries
):
    appointment = AppointmentFactory(application=application, title="Acme kickoff")
    other = AppointmentFactory(application=application, title="Another")
    make_delivery(appointment, status=DeliveryStatus.SENT)
    make_delivery(appointment, status=DeliveryStatus.SENDING)  # shown as PENDING, as the API shows it
    make_delivery(appointment, status=DeliveryStatus.PENDING)
    make_delivery(other, status=DeliveryStatus.FAILED)

    page = supervisor_client.get(f"{APPOINTMENTS}{appointment.pk}/change/").content.decode()

    log = f"/admin/notifications/delivery/?appointment_id={appointment.pk}"
    assert f'<a href="{log}">3 in the delivery log</a> (2 pending, 1 sent)' in page
    with django_assert_max_num_queries(12):
        listed = supervisor_client.get(log)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 3


def test_an_appointment_without_deliveries_says_so(supervisor_client, application):
    appointment = AppointmentFactory(application=application)

    page = supervisor_client.get(f"{APPOINTMENTS}{appointment.pk}/change/").content.decode()

    assert "None yet." in page
