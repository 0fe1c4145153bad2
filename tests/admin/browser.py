"""Drive Debian's Chromium through Playwright and keep a screenshot of every page visited."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, Response, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"


def artifact_dir(test_name: str) -> Path:
    """A fresh folder for one test's screenshots (parametrized ids made file-safe)."""
    directory = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.png"):
        old.unlink()
    return directory


class RecordedPage:
    """A Playwright page that saves NN-<step>.png for each step of a test.

    Everything else is the Playwright Page: `page.locator(...)`, `page.url`, ...
    """

    def __init__(self, page: Page, directory: Path):
        self.page = page
        self.directory = directory
        self.shots: list[Path] = []

    def __getattr__(self, name):
        return getattr(self.page, name)

    def snap(self, step: str) -> Path:
        path = self.directory / f"{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def visit(self, path: str, step: str) -> Response | None:
        """Open `path` (relative to the live server), wait for it to settle, screenshot it."""
        response = self.page.goto(path, wait_until="load")
        self.snap(step)
        return response


def login_as(page: RecordedPage, user, password: str) -> None:
    """Log in through the admin's own login form, as a person would."""
    page.visit("/admin/login/", "login")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    with page.expect_navigation(wait_until="load"):
        page.click("#login-form [type=submit]")
    if page.locator("#user-tools").count() == 0:
        page.snap("login-failed")
        raise AssertionError(f"login as {user.get_username()} failed at {page.url}")
    page.snap("logged-in")


def offline(page) -> list[str]:
    """Refuse every request that leaves 127.0.0.1, as a network without internet would.

    Returns the list the refused URLs are appended to, for the test to assert it stays empty.
    """
    refused: list[str] = []

    def _route(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", _route)
    return refused
