"""Users of the admin console, and a real browser to drive it with."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from tenants.supervisors import supervisor_upsert
from tests.admin.browser import CHROMIUM, CHROMIUM_ARGS, RecordedPage, artifact_dir

# pytest-django's live_server would listen on "localhost"; keep it on loopback IPv4.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

PASSWORD = "Kettle-Orbit-7391"


@pytest.fixture
def make_supervisor(db):
    """make_supervisor(app_a, app_b, username=...) -> a staff user supervising those applications."""

    def _make(*applications, username="supervisor"):
        return supervisor_upsert(
            username=username,
            email=f"{username}@example.com",
            application_ids=[str(application.pk) for application in applications],
            password=PASSWORD,
        )

    return _make


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome so that the browser fixture can screenshot failures.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def admin_url(live_server) -> str:
    return f"{live_server.url}/admin/"


@pytest.fixture
def browser_time_zone() -> str:
    """The browser's time zone (the console writes dates in it); a test module may override it."""
    return "UTC"


@pytest.fixture
def browser_page(request, live_server, monkeypatch, browser_time_zone):
    """A Chromium page whose relative URLs go to the live server; screenshots land in test-artifacts/."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API is active its event loop counts as running in
    # this thread, and Django would refuse every ORM call of the test as
    # "async-unsafe"; the test's own code is plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, timezone_id=browser_time_zone
        )
        context.set_default_timeout(15_000)
        page = RecordedPage(context.new_page(), artifact_dir(request.node.name))
        try:
            yield page
        finally:
            failed = getattr(request.node, "report_call", None)
            if failed is not None and failed.failed:
                page.snap("failure")
            # With the loop counted as running, Django kept the test's database
            # connections apart from the usual ones (asgiref's Local): close
            # them here, or PostgreSQL refuses to drop the test database.
            connections.close_all()
            context.close()
            browser.close()
