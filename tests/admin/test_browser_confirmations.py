"""In a real browser: a supervisor sees who confirmed and narrows the appointment list to the declines."""

import pytest
from playwright.sync_api import expect

from participants.confirmations import participant_confirmation_record
from tests.admin.browser import login_as
from tests.admin.conftest import PASSWORD
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.browser

APPOINTMENTS = "/admin/appointments/appointment/"


def answer_of(page, title: str):
    """The confirmation cell of the row whose title is exactly `title`."""
    return page.locator(f"#result_list tbody tr:has(th a:text-is('{title}')) td.field-confirmation")


def test_supervisor_sees_the_answers_and_filters_the_declines(browser_page, make_supervisor, application):
    for title, answer in [("Coming", "CONFIRMED"), ("Not coming", "DECLINED"), ("Quiet", "")]:
        customer = CustomerFactory(appointment=AppointmentFactory(application=application, title=title))
        if answer:
            participant_confirmation_record(participant=customer, answer=answer, channel="SMS")
    page = browser_page
    login_as(page, make_supervisor(application, username="dana"), PASSWORD)

    page.visit(APPOINTMENTS, "appointments")
    expect(page.locator("#result_list thead")).to_contain_text("Confirmation")
    expect(answer_of(page, "Coming")).to_have_text("confirmed")
    expect(answer_of(page, "Not coming")).to_have_text("declined")
    expect(answer_of(page, "Quiet")).to_have_text("no answer")

    with page.expect_navigation(wait_until="load"):
        page.click("#changelist-filter a:text('Declined')")
    page.snap("declined")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Not coming")
    expect(rows.first.locator("td.field-confirmation")).to_have_text("declined")
