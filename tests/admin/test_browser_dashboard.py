"""In Chromium, a supervisor's first page: the dashboard's charts, their text and where their bars lead.

UPDATE_SCREENSHOTS=1 rewrites docs/screenshots/admin-dashboard.png.
"""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.admin.browser import login_as, offline
from tests.admin.conftest import PASSWORD
from tests.admin.dashboard_data import NOW, seed
from tests.admin.test_browser_console import _keep

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_time_zone() -> str:
    return "Europe/Athens"


@pytest.fixture
def dashboard_page(browser_page, make_supervisor, application, other_application):
    with time_machine.travel(NOW, tick=True):
        seed(application, other_application)
        refused = offline(browser_page)
        login_as(browser_page, make_supervisor(application, username="dana"), PASSWORD)
        yield browser_page
        assert refused == [], "the dashboard asked for something beyond the server"


def test_the_dashboard_draws_accessible_charts_that_lead_to_their_rows(dashboard_page):
    page = dashboard_page
    page.visit("/admin/", "dashboard")

    dashboard = page.locator("#dashboard")
    expect(dashboard.locator("h2")).to_have_text("Dashboard")
    expect(dashboard.locator(".dashboard-scope")).to_have_text("Acme Support · days in Europe/Athens")
    expect(dashboard).not_to_contain_text("Globex")
    charts = dashboard.locator("svg.bar-chart")
    expect(charts).to_have_count(6)  # appointments, three channels, two rates
    appointments = page.locator("#dashboard-appointments svg.bar-chart")
    expect(page.locator("#dashboard-appointments-title")).to_have_text("Appointments per day, next 14 days")
    expect(page.locator("#dashboard-appointments-desc")).to_contain_text("6 in all")
    expect(appointments).to_have_accessible_name(re.compile("^Appointments per day, next 14 days"))
    # Each bar says what it counts, as text a screen reader reads, and the picture has a size.
    scheduled = appointments.locator('a[aria-label="Wednesday 30 January 2030: 2 scheduled"]')
    expect(scheduled).to_have_count(1)
    box = scheduled.locator("rect").bounding_box()
    assert box is not None and box["height"] > 10 and box["width"] > 10
    expect(page.locator(".dashboard-tiles")).to_contain_text("Customers waiting 1")
    # Django's app list is still on the page, below the dashboard.
    expect(page.locator("#content-main .module caption").first).to_be_visible()
    _keep(page, "admin-dashboard.png")

    failed_sms = page.locator('#dashboard-deliveries-sms a[aria-label="Wednesday 30 January 2030: 2 failed"]')
    with page.expect_navigation(wait_until="load"):
        failed_sms.click()
    page.snap("failed-sms")
    assert "/admin/notifications/delivery/" in page.url
    assert "status__exact=FAILED" in page.url and "channel__exact=SMS" in page.url
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("21211 invalid")
