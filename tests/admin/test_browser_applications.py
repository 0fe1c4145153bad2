"""In a real browser: a supervisor of A meets only A in the Applications admin; a superuser meets both."""

import re

import pytest
from playwright.sync_api import expect

from tenants.models import Application
from tests.admin.browser import login_as
from tests.admin.conftest import PASSWORD
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.browser

APPLICATIONS = "/admin/tenants/application/"


@pytest.fixture
def acme(db):
    return ApplicationFactory(name="Acme Support", organization_id="org-acme")


@pytest.fixture
def globex(db):
    return ApplicationFactory(name="Globex Care", organization_id="org-globex")


def _assert_styled(page):
    # Served by the live server's static handler: an unstyled admin would mean
    # the stylesheets 404 and the screenshots show a bare page.
    header = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    assert header not in ("rgba(0, 0, 0, 0)", "transparent"), header


def test_supervisor_sees_only_their_application(browser_page, make_supervisor, acme, globex):
    page = browser_page
    login_as(page, make_supervisor(acme, username="dana"), PASSWORD)
    _assert_styled(page)

    page.visit(APPLICATIONS, "applications")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme Support")
    expect(page.locator("#content")).not_to_contain_text("Globex")
    expect(page.locator("#content")).not_to_contain_text("ADD APPLICATION", ignore_case=True)

    page.visit(f"{APPLICATIONS}{globex.pk}/change/", "other-application-by-url")
    expect(page.page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".messagelist")).to_contain_text("doesn’t exist")
    body = page.locator("body").inner_text()
    assert "Globex" not in body and "org-globex" not in body

    page.visit(f"{APPLICATIONS}{acme.pk}/change/", "own-application")
    expect(page.locator(".field-organization_id .readonly")).to_have_text("org-acme")
    expect(page.locator("#id_organization_id")).to_have_count(0)
    page.check("#id_notifications_active")
    page.snap("notifications-switched-on")
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.snap("saved")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    acme.refresh_from_db()
    assert acme.notifications_active is True


def test_superuser_sees_every_application(browser_page, superuser, acme, globex):
    page = browser_page
    login_as(page, superuser, PASSWORD)
    page.visit(APPLICATIONS, "applications")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("Acme Support")
    expect(page.locator("#result_list")).to_contain_text("Globex Care")

    page.visit(f"{APPLICATIONS}{globex.pk}/change/", "other-application")
    expect(page.locator("#id_organization_id")).to_have_value("org-globex")
    assert Application.objects.count() == 2
