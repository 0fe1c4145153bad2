"""The console's preview before a save that changes how booked appointments are notified, and the re-plan."""

from datetime import UTC, datetime, timedelta

import pytest

from appointments.services import appointment_schedule
from notifications.models import Channel, Delivery, DeliveryStatus, NotificationTemplate
from notifications.pipeline.states import REPLANNED_REASON
from notifications.services import template_create
from participants.services import CustomerDetails
from tests.admin.forms import submitted_data

pytestmark = pytest.mark.django_db

TEMPLATES = "/admin/notifications/notificationtemplate/"
APPLICATIONS = "/admin/tenants/application/"
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


@pytest.fixture
def reminder(application, sms_sender):
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    return template_create(
        application=application,
        type="REMINDER",
        channel=Channel.SMS,
        locale="en_US",
        text_body="Soon: {{title}} at {{HH:mm}}",
        period=timedelta(hours=2),
    )


@pytest.fixture
def booked(application, reminder):
    return [
        appointment_schedule(
            application=application,
            organizer_id="agent-1",
            start=START,
            duration=timedelta(minutes=30),
            timezone="Europe/Berlin",
            title=f"Advice {index}",
            customer=CustomerDetails(first_name="Bobby", last_name="Ewing", phone="+306931221100"),
        )
        for index in range(3)
    ]


def reminder_state():
    return sorted(Delivery.objects.filter(type="REMINDER").values_list("status", "due_at", "cancel_reason"))


def _template_change(client, template, **changes):
    url = f"{TEMPLATES}{template.pk}/change/"
    return url, submitted_data(client.get(url)) | changes


def test_a_period_change_shows_the_preview_first_and_saves_nothing(supervisor_client, reminder, booked):
    url, data = _template_change(supervisor_client, reminder, period="1:00:00")
    before = reminder_state()

    response = supervisor_client.post(url, data)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/notifications/replan_preview.html"
    body = response.content.decode()
    assert "0 added,\n3 moved, 0 cancelled" in body
    assert "+3069*****100" in body and "+306931221100" not in body
    assert "2030-03-05 07:00" in body and "2030-03-05 08:00" in body  # old and new due, UTC
    reminder.refresh_from_db()
    assert reminder.period == timedelta(hours=2)
    assert reminder_state() == before


def test_save_and_replan_moves_the_booked_reminders(supervisor_client, reminder, booked):
    url, data = _template_change(supervisor_client, reminder, period="1:00:00")

    response = supervisor_client.post(url, data | {"_replan": "apply"}, follow=True)

    reminder.refresh_from_db()
    assert reminder.period == timedelta(hours=1)
    assert reminder_state() == [("PENDING", START - timedelta(hours=1), "")] * 3
    shown = [str(message) for message in response.context["messages"]]
    assert any("Re-planned the booked appointments: 3 future appointments, 3 changed" in m for m in shown)


def test_save_only_leaves_the_booked_reminders_as_planned(supervisor_client, reminder, booked):
    url, data = _template_change(supervisor_client, reminder, period="1:00:00")
    before = reminder_state()

    assert supervisor_client.post(url, data | {"_replan": "skip"}).status_code == 302

    reminder.refresh_from_db()
    assert reminder.period == timedelta(hours=1)
    assert reminder_state() == before


def test_a_change_that_plans_nothing_differently_saves_at_once(supervisor_client, reminder, booked):
    url, data = _template_change(supervisor_client, reminder, text_body="Soon: {{title}}")

    assert supervisor_client.post(url, data).status_code == 302
    assert NotificationTemplate.objects.get(pk=reminder.pk).text_body == "Soon: {{title}}"


def test_a_new_reminder_template_is_previewed_too(supervisor_client, application, booked):
    data = {
        "application": str(application.pk),
        "type": "REMINDER",
        "channel": "SMS",
        "locale": "en_US",
        "period": "5:00:00",
        "subject": "",
        "text_body": "Later: {{title}}",
        "html_body": "",
        "active": "on",
        "_save": "Save",
    }

    preview = supervisor_client.post(f"{TEMPLATES}add/", data)
    assert preview.status_code == 200
    assert "3 added" in preview.content.decode()
    assert NotificationTemplate.objects.count() == 1

    assert supervisor_client.post(f"{TEMPLATES}add/", data | {"_replan": "apply"}).status_code == 302
    assert NotificationTemplate.objects.count() == 2
    assert Delivery.objects.filter(type="REMINDER", status=DeliveryStatus.PENDING).count() == 6


def test_switching_the_applications_notifications_off_previews_and_cancels_on_request(
    supervisor_client, application, booked
):
    url = f"{APPLICATIONS}{application.pk}/change/"
    data = submitted_data(supervisor_client.get(url))
    data.pop("notifications_active")  # unticked

    preview = supervisor_client.post(url, data)
    assert preview.status_code == 200
    assert "0 moved, 3 cancelled" in preview.content.decode()
    application.refresh_from_db()
    assert application.notifications_active

    assert supervisor_client.post(url, data | {"_replan": "apply"}).status_code == 302
    application.refresh_from_db()
    assert not application.notifications_active
    assert reminder_state() == [("CANCELLED", START - timedelta(hours=2), REPLANNED_REASON)] * 3


def test_the_applications_action_replans_after_confirmation(supervisor_client, application, reminder, booked):
    NotificationTemplate.objects.filter(pk=reminder.pk).update(period=timedelta(hours=3))
    selected = {"action": "replan_booked", "_selected_action": [str(application.pk)]}

    confirmation = supervisor_client.post(APPLICATIONS, selected)
    assert "this adds 0, moves 3 and cancels 0 pending deliveries" in confirmation.content.decode()
    assert reminder_state() == [("PENDING", START - timedelta(hours=2), "")] * 3

    done = supervisor_client.post(APPLICATIONS, selected | {"confirm": "yes"}, follow=True)
    assert reminder_state() == [("PENDING", START - timedelta(hours=3), "")] * 3
    shown = [str(message) for message in done.context["messages"]]
    assert any("3 future appointments, 3 changed" in message for message in shown)


def test_another_applications_template_is_never_previewed(supervisor_client, other_application, booked):
    theirs = template_create(
        application=other_application,
        type="REMINDER",
        channel=Channel.SMS,
        locale="en_US",
        text_body="Globex {{title}}",
        period=timedelta(hours=2),
    )
    response = supervisor_client.post(
        f"{TEMPLATES}{theirs.pk}/change/",
        {"type": "REMINDER", "channel": "SMS", "locale": "en_US", "period": "1:00:00", "text_body": "x"},
    )

    assert response.status_code == 302 and response.url == "/admin/"
    assert NotificationTemplate.objects.get(pk=theirs.pk).period == timedelta(hours=2)
