"""In Chromium, a supervisor's console: only what they manage, short ids that copy whole, dates in
their browser's zone. Also the screenshots in docs/screenshots/: UPDATE_SCREENSHOTS=1 rewrites them."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from appointments.models import InteractionState
from tests.admin.browser import login_as
from tests.admin.conftest import PASSWORD
from tests.admin.deliveries import make_delivery
from tests.factories import ApplicationFactory, AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Wide enough for every column of the appointment list beside the navigation sidebar.
WIDE = {"width": 1920, "height": 1000}
APPOINTMENTS = "/admin/appointments/appointment/"
DELIVERIES = "/admin/notifications/delivery/"
MANAGED_APPS = ["tenants", "appointments", "participants", "notifications"]
# (title, start in UTC, the appointment's zone, activated, completed, customer)
AGENDA = [
    ("Mortgage review", datetime(2030, 1, 31, 19, 0, tzinfo=UTC), "Europe/Berlin", False, False, "Alice"),
    ("Home insurance claim", datetime(2030, 1, 31, 9, 30, tzinfo=UTC), "Europe/Athens", True, False, "Nikos"),
    ("New account", datetime(2030, 1, 30, 15, 0, tzinfo=UTC), "America/New_York", False, False, "Maria"),
    ("Card replacement", datetime(2030, 1, 29, 8, 0, tzinfo=UTC), "Europe/Athens", True, True, "Eleni"),
    ("Pension transfer", datetime(2030, 1, 28, 13, 15, tzinfo=UTC), "Europe/London", False, False, "George"),
]


@pytest.fixture
def browser_time_zone() -> str:
    return "Europe/Athens"


@pytest.fixture
def agenda(application):
    """Acme's week, and a Globex appointment its supervisor must not see."""
    appointments = []
    for number, (title, start, zone, activated, completed, customer) in enumerate(AGENDA, start=1):
        appointment = AppointmentFactory(
            application=application,
            title=title,
            start=start,
            timezone=zone,
            organizer_id=f"agent-{number}",
            duration=timedelta(minutes=30 + 15 * (number % 3)),
            room_url=f"https://video.example/rooms/acme-{number}" if activated else "",
            interaction_state=InteractionState.COMPLETE if completed else InteractionState.PENDING,
        )
        CustomerFactory(
            appointment=appointment, first_name=customer, email=f"{customer.lower()}@acme.example"
        )
        appointments.append(appointment)
    AppointmentFactory(application=ApplicationFactory(name="Globex Care"), title="Globex secret review")
    return appointments


@pytest.fixture
def supervisor_page(browser_page, make_supervisor, application, agenda):
    login_as(browser_page, make_supervisor(application, username="dana"), PASSWORD)
    return browser_page


def _keep(page, name: str, viewport: dict[str, int] | None = None) -> None:
    """With UPDATE_SCREENSHOTS=1, write the page as docs/screenshots/<name>."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if viewport:
            page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True, animations="disabled", caret="hide")


def test_the_index_shows_a_supervisor_only_what_they_manage(supervisor_page):
    page = supervisor_page
    page.visit("/admin/", "index")
    # The login page reported the browser's zone: from here on dates are in it.
    expect(page.locator("#console-time-zone")).to_have_text("Times in Europe/Athens")
    managed = {apps.get_app_config(label).verbose_name for label in MANAGED_APPS}
    captions = page.locator("#content-main .module caption")
    expect(captions).to_have_count(len(managed))
    assert {caption.text_content().strip() for caption in captions.all()} == managed
    for absent in ("Periodic tasks", "Crontabs", "Groups", "Users", "Supervisor memberships"):
        expect(page.locator("#content-main")).not_to_contain_text(absent)
    _keep(page, "admin-index.png")


def test_the_appointment_list_shows_each_start_in_its_own_zone(supervisor_page):
    page = supervisor_page
    page.visit(APPOINTMENTS, "appointments")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(len(AGENDA))
    expect(rows.first).to_contain_text("Mortgage review")
    expect(rows.first).to_contain_text("31 Jan 2030 20:00 CET")
    expect(rows.nth(1)).to_contain_text("31 Jan 2030 11:30 EET")
    expect(page.locator("#content")).not_to_contain_text("Globex")
    expect(page.locator("#console-time-zone")).to_have_text("Times in Europe/Athens")
    _keep(page, "admin-appointments.png", WIDE)


def test_the_delivery_log_shows_short_ids_that_copy_whole_and_dates_in_the_users_zone(
    supervisor_page, agenda, live_server
):
    page = supervisor_page
    appointment = agenda[0]
    make_delivery(appointment, due_at=datetime(2030, 1, 31, 18, 30, tzinfo=UTC))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.visit(DELIVERIES, "deliveries")

    row = page.locator("#result_list tbody tr").first
    cell = row.locator("td.field-appointment")
    short = cell.locator(".console-id")
    full = str(appointment.pk)
    expect(short).to_have_text(full[:8])
    expect(short).to_have_attribute("title", full)
    # On one line, the copy button included.
    assert cell.evaluate("td => getComputedStyle(td).whiteSpace") == "nowrap"
    assert short.evaluate("span => getComputedStyle(span).fontFamily").startswith("ui-monospace")
    # Still a link to the appointment; the copy button sits beside it, not inside.
    expect(cell.locator("a")).to_have_attribute("href", f"/admin/appointments/appointment/{full}/change/")
    expect(cell.locator("a .console-copy")).to_have_count(0)

    cell.locator(".console-copy").click()
    expect(cell.locator(".console-copy")).to_have_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == full
    assert page.url.endswith(DELIVERIES), "copying followed the link"

    # 18:30 UTC is 20:30 in Athens.
    expect(row.locator("td.field-due_at")).to_have_text("Jan. 31, 2030, 8:30 p.m.")
    page.snap("copied")
