"""The /l/ pages in Chromium: the language in `lang`, named controls, readable contrast, no outside requests.

UPDATE_SCREENSHOTS=1 rewrites docs/screenshots/links-*.png, which docs/notifications.md shows.
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from appointments.services import appointment_delete, appointment_end, appointment_reschedule
from calendars.short_links import LinkPurpose, short_link
from participants.models import Confirmation
from tests.admin.browser import offline
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 420, "height": 800}
# Far in the future, so that the pages are the same whenever the test runs.
START = datetime(2030, 1, 31, 19, 0, tzinfo=UTC)

# The contrast ratio (WCAG 2) of an element's text against the nearest background behind it.
CONTRAST_JS = """
element => {
  const rgb = value => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let node = element, background = null;
  while (node && !background) {
    const color = getComputedStyle(node).backgroundColor;
    if (color && !color.startsWith("rgba(0, 0, 0, 0)") && color !== "transparent") background = color;
    node = node.parentElement;
  }
  const a = luminance(rgb(getComputedStyle(element).color));
  const b = luminance(rgb(background || "rgb(255, 255, 255)"));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


@pytest.fixture
def customer(db):
    appointment = AppointmentFactory(
        title="Mortgage consultation", start=START, timezone="Europe/Berlin", locale="en_GB"
    )
    organizer = appointment.participants.get()
    organizer.first_name, organizer.last_name = "Alice", "Agent"
    organizer.save(update_fields=["first_name", "last_name"])
    return CustomerFactory(appointment=appointment, first_name="Bobby")


def path_of(customer, purpose=LinkPurpose.JOIN) -> str:
    """The link's path: the browser's base URL is the live server."""
    url = short_link(purpose=purpose, appointment=customer.appointment, participant_pk=customer.pk)
    return urlsplit(url).path


def set_locale(customer, locale: str) -> None:
    customer.appointment.locale = locale
    customer.appointment.save(update_fields=["locale"])


def keep(page, name: str) -> None:
    """With UPDATE_SCREENSHOTS=1, write the page as docs/screenshots/<name> at a phone's width."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True, animations="disabled", caret="hide")


def assert_readable(page) -> None:
    """Every text-bearing element of the page reaches WCAG AA contrast (4.5:1)."""
    for selector in ("h1", "dt", "dd", "p", ".button"):
        for element in page.locator(f"main {selector}").all():
            ratio = element.evaluate(CONTRAST_JS)
            assert ratio >= 4.5, f"{selector} {element.inner_text()!r}: contrast {ratio:.2f}"


def test_a_scheduled_appointment_in_english(browser_page, customer):
    refused = offline(browser_page)
    browser_page.visit(path_of(customer), "scheduled")
    expect(browser_page.locator("html")).to_have_attribute("lang", "en")
    expect(browser_page.locator("h1")).to_have_text("Mortgage consultation")
    expect(browser_page.locator("#day")).to_have_text("Thursday, 31 January 2030")
    expect(browser_page.locator("#time")).to_contain_text("20:00 CET")
    expect(browser_page.locator("#state")).to_contain_text("The video room opens at 20:00 CET")
    calendar = browser_page.get_by_role("list", name="Add to your calendar")
    expect(calendar.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    expect(calendar.get_by_role("link", name="Add to Google Calendar")).to_be_visible()
    assert_readable(browser_page)
    keep(browser_page, "links-scheduled.png")
    assert refused == []


def test_a_moved_appointment_in_german(browser_page, customer):
    set_locale(customer, "de_DE")
    link = path_of(customer)
    appointment_reschedule(
        appointment=customer.appointment,
        start=START + timedelta(days=1, hours=-2),
        duration=timedelta(minutes=45),
        timezone="Europe/Berlin",
    )
    browser_page.visit(link, "moved")
    expect(browser_page.locator("html")).to_have_attribute("lang", "de")
    expect(browser_page.get_by_role("status")).to_have_text(
        "Dieser Termin wurde verschoben. Er war am Donnerstag, 31. Januar 2030, 20:00 CET."
    )
    expect(browser_page.locator("#day")).to_have_text("Freitag, 1. Februar 2030")
    expect(browser_page.locator("#time")).to_have_text("18:00 CET – 18:45 CET")
    assert_readable(browser_page)
    keep(browser_page, "links-moved-de.png")


def test_confirming_in_greek_takes_the_button(browser_page, customer):
    set_locale(customer, "el_GR")
    browser_page.visit(path_of(customer, LinkPurpose.CONFIRM), "confirm")
    expect(browser_page.locator("html")).to_have_attribute("lang", "el")
    button = browser_page.get_by_role("button", name="Ναι, θα παρευρεθώ")
    expect(button).to_be_visible()
    assert_readable(browser_page)
    keep(browser_page, "links-confirm-el.png")
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.NONE  # opening the page changed nothing
    with browser_page.expect_navigation(wait_until="load"):
        button.click()
    browser_page.snap("confirmed")
    expect(browser_page.get_by_role("status")).to_contain_text("επιβεβαιώσατε")
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.CONFIRMED
    assert_readable(browser_page)
    keep(browser_page, "links-confirmed-el.png")


def test_declining_in_english(browser_page, customer):
    browser_page.visit(path_of(customer, LinkPurpose.DECLINE), "decline")
    button = browser_page.get_by_role("button", name="No, I cannot attend")
    assert_readable(browser_page)
    keep(browser_page, "links-decline.png")
    with browser_page.expect_navigation(wait_until="load"):
        button.click()
    customer.refresh_from_db()
    assert customer.confirmation == Confirmation.DECLINED


@override_settings(LINK_TOKEN_TTL_AFTER_END=timedelta(days=365 * 100))
def test_ended_cancelled_and_unknown(browser_page, customer):
    ended = CustomerFactory(
        appointment=AppointmentFactory(
            title="Card replacement", start=datetime(2024, 5, 6, 8, 0, tzinfo=UTC), timezone="Europe/Athens"
        )
    )
    appointment_end(appointment=ended.appointment)
    browser_page.visit(path_of(ended), "ended")
    expect(browser_page.locator("#state")).to_have_text(
        "This appointment ended on Monday, May 6, 2024, 11:30\u202fAM EEST."
    )
    assert_readable(browser_page)
    keep(browser_page, "links-ended.png")

    link = path_of(customer)
    appointment_delete(appointment=customer.appointment)
    browser_page.page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    browser_page.visit(link, "cancelled")
    expect(browser_page.locator("html")).to_have_attribute("lang", "de")
    expect(browser_page.locator("h1")).to_have_text("Termin abgesagt")
    assert_readable(browser_page)
    keep(browser_page, "links-cancelled-de.png")

    browser_page.page.set_extra_http_headers({"Accept-Language": "en"})
    response = browser_page.visit(link[:-2] + "xx", "unknown")
    assert response is not None and response.status == 404
    expect(browser_page.locator("h1")).to_have_text("Link not found")
    assert_readable(browser_page)
