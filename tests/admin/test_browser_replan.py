"""In Chromium: a supervisor changes a reminder's period, sees what it does to booked appointments."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.services import appointment_schedule
from notifications.models import Channel, Delivery, DeliveryStatus
from notifications.services import template_create
from participants.services import CustomerDetails
from tests.admin.browser import login_as
from tests.admin.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def booked_reminders(application, sms_sender):
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    reminder = template_create(
        application=application,
        type="REMINDER",
        channel=Channel.SMS,
        locale="en_US",
        text_body="Soon: {{title}}",
        period=timedelta(hours=2),
    )
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    for index in range(2):
        appointment_schedule(
            application=application,
            organizer_id="agent-1",
            start=start,
            duration=timedelta(minutes=30),
            timezone="Europe/Berlin",
            title=f"Advice {index}",
            customer=CustomerDetails(first_name="Bobby", last_name="Ewing", phone="+306931221100"),
        )
    return reminder, start


def test_the_period_change_is_previewed_then_saved_and_replanned(
    browser_page, make_supervisor, application, booked_reminders
):
    reminder, start = booked_reminders
    page = browser_page
    login_as(page, make_supervisor(application, username="dana"), PASSWORD)

    page.visit(f"/admin/notifications/notificationtemplate/{reminder.pk}/change/", "template")
    page.fill("#id_period", "01:00:00")
    with page.expect_navigation(wait_until="load"):
        page.click("input[name=_save]")
    page.snap("preview")

    expect(page.locator(".replan-totals")).to_have_text("0 added, 2 moved, 0 cancelled")
    expect(page.locator(".replan-sample tbody tr")).to_have_count(2)
    expect(page.locator(".replan-sample")).to_contain_text("+3069*****100")
    assert Delivery.objects.filter(type="REMINDER", due_at=start - timedelta(hours=2)).count() == 2

    with page.expect_navigation(wait_until="load"):
        page.click("button[value=apply]")
    page.snap("replanned")

    expect(page.locator(".messagelist")).to_contain_text("Re-planned the booked appointments")
    reminders = Delivery.objects.filter(type="REMINDER", status=DeliveryStatus.PENDING)
    assert sorted(reminders.values_list("due_at", flat=True)) == [start - timedelta(hours=1)] * 2
