"""templates/admin/base_site.html: every console page has the favicon and the console's own static files."""

import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

FAVICON = "/static/console/favicon.svg"
SCRIPT = "/static/console/console.js"
STYLESHEET = "/static/console/console.css"


@pytest.fixture
def static_client(client):
    """The test client, with WhiteNoise serving the apps' static folders as in development."""
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        yield client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/admin/notifications/delivery/"])
def test_every_console_page_links_the_favicon_and_the_console_files(static_client, superuser, path):
    if path != "/admin/login/":
        static_client.force_login(superuser)
    response = static_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<link rel="icon" href="{FAVICON}" type="image/svg+xml">' in html
    assert f'<link rel="stylesheet" href="{STYLESHEET}">' in html
    script = re.search(rf'<script src="{re.escape(SCRIPT)}"([^>]*)></script>', html)
    assert script, "console.js is not loaded"
    # It learns where the console lives (its cookie's path) from the tag, not from inline code.
    assert 'data-admin-root="/admin/"' in script.group(1)
    assert "defer" in script.group(1)


@pytest.mark.parametrize(
    ("url", "content_type", "marker"),
    [
        (FAVICON, "image/svg+xml", b"<svg"),
        (SCRIPT, "text/javascript", b"console_tz"),
        (STYLESHEET, "text/css", b".console-id"),
    ],
)
def test_the_console_files_are_served(static_client, url, content_type, marker):
    response = static_client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    assert marker in _body(response)
