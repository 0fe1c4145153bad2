"""In a real browser: a supervisor meets only their appointments, reschedules one and activates it,
finds the UPDATE the reschedule queued in the delivery log and sends it again."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from notifications.models import Channel, Delivery, DeliveryStatus, NotificationType
from notifications.services import template_create
from tests.admin.browser import login_as
from tests.admin.conftest import PASSWORD
from tests.factories import ApplicationFactory, AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.browser

APPOINTMENTS = "/admin/appointments/appointment/"
DELIVERIES = "/admin/notifications/delivery/"


@pytest.fixture
def world(application, email_sender):
    # Acme notifies by email with an UPDATE template, so that a reschedule queues an UPDATE.
    acme = application
    acme.notifications_active = True
    acme.save(update_fields=["notifications_active"])
    template_create(
        application=acme,
        type=NotificationType.UPDATE,
        channel=Channel.EMAIL,
        locale="en_US",
        subject="Changed: {{title}}",
        text_body="Hi {{firstName}}, {{title}} is now at {{HH:mm}} {{zone}}.",
    )
    globex = ApplicationFactory(name="Globex Care", organization_id="org-globex")
    kickoff = AppointmentFactory(application=acme, title="Acme kickoff", organizer_id="agent-dana")
    CustomerFactory(appointment=kickoff, first_name="Alice", last_name="Liddell", email="alice@acme.example")
    AppointmentFactory(application=globex, title="Globex secret review")
    return acme, kickoff


def test_supervisor_reschedules_and_activates_an_appointment(browser_page, make_supervisor, world):
    acme, kickoff = world
    page = browser_page
    login_as(page, make_supervisor(acme, username="dana"), PASSWORD)

    page.visit(APPOINTMENTS, "appointments")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme kickoff")
    expect(rows.first).to_contain_text("31 Jan 2030 20:00 CET")
    expect(page.locator("#content")).not_to_contain_text("Globex")

    page.click("#result_list a:text('Acme kickoff')")
    page.wait_for_load_state("load")
    page.snap("change-form")
    expect(page.locator("#id_start_1")).to_have_value("20:00:00")
    expect(page.locator(".field-participants, #participants-group")).to_contain_text("alice@acme.example")
    page.fill("#id_start_1", "21:30:00")
    page.fill("#id_duration", "01:00:00")
    page.snap("rescheduled-in-form")
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.snap("saved")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("31 Jan 2030 21:30 CET")
    expect(row).to_contain_text("1 h")
    kickoff.refresh_from_db()
    assert kickoff.start == datetime(2030, 1, 31, 20, 30, tzinfo=UTC)
    assert (kickoff.version, kickoff.sequence) == (2, 1)

    page.check("#result_list tbody tr input.action-select")
    page.select_option("select[name=action]", "activate_selected")
    with page.expect_navigation():
        page.click("button[name=index]")
    page.snap("activate-confirmation")
    expect(page.locator(".confirm-objects")).to_contain_text("Acme kickoff")
    kickoff.refresh_from_db()
    assert not kickoff.is_activated
    with page.expect_navigation():
        page.click("input[name=confirm-button]")
    page.snap("activated")
    expect(page.locator(".messagelist")).to_contain_text("Activated 1 appointment(s).")
    expect(page.locator("#result_list tbody tr").first).to_contain_text("activated")
    assert Appointment.objects.get(pk=kickoff.pk).is_activated
    expect(page.page).to_have_url(re.compile(re.escape(APPOINTMENTS) + "$"))

    # The reschedule queued an UPDATE for Alice: the delivery log shows it.
    page.visit(f"{DELIVERIES}?q={kickoff.pk}", "delivery-log")
    updates = page.locator("#result_list tbody tr", has=page.locator("th.field-type", has_text="Update"))
    expect(updates).to_have_count(1)
    expect(updates.first).to_contain_text("alice@acme.example")
    expect(updates.first.locator("td.field-channel")).to_have_text("Email")
    expect(updates.first.locator("td.field-status")).to_have_text("Pending")
    expect(page.locator("#content")).not_to_contain_text("Globex")
    queued = set(Delivery.objects.filter(appointment_id=kickoff.pk).values_list("pk", flat=True))
    assert len(queued) == 1

    # Send it again from the appointments list, through the confirmation page.
    page.visit(APPOINTMENTS, "appointments-again")
    page.check("#result_list tbody tr input.action-select")
    page.select_option("select[name=action]", "resend_notifications")
    with page.expect_navigation():
        page.click("button[name=index]")
    expect(page.locator(".confirm-objects")).to_contain_text("Acme kickoff")
    page.select_option("select[name=type]", "UPDATE")
    page.snap("resend-confirmation")
    assert Delivery.objects.filter(appointment_id=kickoff.pk).count() == 1
    with page.expect_navigation():
        page.click("input[name=confirm-button]")
    page.snap("resent")
    expect(page.locator(".messagelist")).to_contain_text("Resent the notifications of 1 appointment(s).")
    expect(page.locator(".messagelist")).to_contain_text("1 delivery(ies) queued")

    fresh = Delivery.objects.filter(appointment_id=kickoff.pk).exclude(pk__in=queued).get()
    assert (fresh.type, fresh.recipient, fresh.status) == (
        "UPDATE",
        "alice@acme.example",
        DeliveryStatus.PENDING,
    )
    page.visit(f"{DELIVERIES}?q={kickoff.pk}", "delivery-log-after-resend")
    expect(
        page.locator("#result_list tbody tr", has=page.locator("th.field-type", has_text="Update"))
    ).to_have_count(2)
    page.click(f"#result_list a[href*='/{fresh.pk}/change/']")
    page.wait_for_load_state("load")
    page.snap("new-delivery")
    expect(page.locator("#content")).to_contain_text(str(fresh.pk))
    expect(page.locator("#content")).to_contain_text("alice@acme.example")
