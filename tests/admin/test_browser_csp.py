"""In Chromium, the console and the API docs run under their Content-Security-Policy without breaking it."""

import pytest
from playwright.sync_api import expect

from notifications.models import Channel
from notifications.services import template_create
from tests.admin.browser import login_as, offline
from tests.admin.conftest import PASSWORD
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.browser

# Runs in every document before its own scripts; the browser reports each blocked
# script, style, frame or image to the document as a securitypolicyviolation event.
_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
# A macrotask: violation events and console messages queued while the page loaded are delivered first.
_SETTLE = "() => new Promise((resolve) => setTimeout(resolve))"


class CspWatch:
    """What the browser refused on a page: violation events, CSP errors in its console, page errors."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(_LISTEN)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def _on_console(self, message) -> None:
        # Violations in a frame without scripts (the sandboxed preview) only reach the console.
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        self.page.evaluate(_SETTLE)
        return [*self.page.evaluate("window.__cspViolations"), *self.console]

    def visit(self, path: str, step: str) -> list[str]:
        response = self.page.visit(path, step)
        assert response is not None and response.ok, path
        assert response.header_value("Content-Security-Policy"), f"{path} has no Content-Security-Policy"
        return self.violations()


@pytest.fixture
def console(browser_page, make_supervisor, application):
    """A supervisor of Acme, logged in, with an appointment and an email template with an HTML part."""
    watch = CspWatch(browser_page)
    appointment = AppointmentFactory(application=application, title="Acme kickoff", organizer_id="agent-dana")
    CustomerFactory(appointment=appointment, first_name="Alice", email="alice@acme.example")
    template = template_create(
        application=application,
        type="CREATE",
        channel=Channel.EMAIL,
        locale="en_US",
        subject="Booked: {{title}}",
        text_body="Hi {{firstName}}, see you at {{HH:mm}}.",
        # Email HTML is styled inline: the preview must show it as the recipient will.
        html_body='<p style="color:#b91c1c">Hi <b>{{firstName}}</b></p>',
    )
    login_as(browser_page, make_supervisor(application, username="dana"), PASSWORD)
    assert watch.violations() == [], "the login page broke the policy"
    return watch, appointment, template


def test_the_browser_enforces_the_policy_and_the_watch_sees_it(console):
    watch, _, _ = console
    assert watch.visit("/admin/", "index") == []
    # A script written into the page, as an injection would, is refused and reported.
    watch.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__injected = true";
          document.body.appendChild(script);
        }"""
    )
    assert watch.page.evaluate("window.__injected") is None
    assert any("script-src" in violation for violation in watch.violations())


def test_console_pages_break_no_rule_of_the_policy(console):
    watch, appointment, template = console
    appointments = "/admin/appointments/appointment/"
    templates = "/admin/notifications/notificationtemplate/"
    pages = {
        "index": "/admin/",
        "appointments": appointments,
        "appointment-change": f"{appointments}{appointment.pk}/change/",
        "template-change": f"{templates}{template.pk}/change/",
        "template-preview": f"{templates}{template.pk}/preview/",
    }
    for step, path in pages.items():
        assert watch.visit(path, step) == [], step

    # The change page's widgets work: the calendar and clock shortcuts are drawn by admin scripts.
    watch.page.visit(pages["appointment-change"], "appointment-change-again")
    expect(watch.page.locator(".datetimeshortcuts").first).to_be_visible()
    # The preview shows the email's own inline style.
    watch.page.visit(pages["template-preview"], "template-preview-again")
    paragraph = watch.page.frame_locator("iframe.preview-html").locator("p")
    expect(paragraph).to_have_css("color", "rgb(185, 28, 28)")

    # An action's confirmation page (cancel.js) too.
    watch.page.visit(appointments, "appointments-again")
    watch.page.check("#result_list tbody tr input.action-select")
    watch.page.select_option("select[name=action]", "activate_selected")
    with watch.page.expect_navigation():
        watch.page.click("button[name=index]")
    watch.page.snap("confirmation")
    expect(watch.page.locator(".confirm-objects")).to_contain_text("Acme kickoff")
    assert watch.violations() == []
    assert watch.console == []


def test_api_docs_render_offline_under_their_policy(browser_page):
    watch = CspWatch(browser_page)
    refused = offline(browser_page)
    assert watch.visit("/api/docs/", "api-docs") == []
    # Swagger UI, served from our static files, read the schema and drew its operations.
    operations = browser_page.locator("#swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    expect(browser_page.locator("#swagger-ui")).to_contain_text("/api/appointments/")
    operations.first.locator(".opblock-summary").click()
    expect(browser_page.locator("#swagger-ui .opblock.is-open").first).to_be_visible()
    browser_page.snap("api-docs-operation")
    assert watch.violations() == []
    assert refused == []


def test_redoc_renders_offline_under_its_policy(browser_page):
    watch = CspWatch(browser_page)
    refused = offline(browser_page)
    assert watch.visit("/api/redoc/", "redoc") == []
    expect(browser_page.locator(".api-info h1")).to_contain_text("Appointments API")
    expect(browser_page.locator(".menu-content")).to_contain_text("appointments")
    # Its search runs in a Web Worker: typing finds an operation.
    browser_page.fill("input[aria-label=Search]", "reschedule")
    expect(browser_page.locator("[data-role='search:results']")).to_contain_text("Reschedule an appointment")
    browser_page.snap("redoc-search")
    assert watch.violations() == []
    assert refused == []
