"""Security headers of HTML and JSON responses (issue 14, item 9)."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from tests.appointments.helpers import client_with
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"
REDOC = "/api/redoc/"
# Every attribute through which a page makes the browser fetch something.
_FETCHED = re.compile(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]+)"', re.I)


def _policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _assert_common_headers(response) -> None:
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _assert_no_inline_script(policy: dict[str, list[str]]) -> None:
    scripts = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, scripts
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def _allows(policy: dict[str, list[str]], directive: str, url: str) -> bool:
    sources = policy.get(directive, policy["default-src"])
    parts = urlsplit(url)
    if not parts.netloc:
        return "'self'" in sources
    return f"{parts.scheme}://{parts.netloc}" in sources


def test_api_json_responses_carry_referrer_policy_and_nosniff(application):
    AppointmentFactory(application=application, organizer_id="agent-1")
    response = client_with("ROLE_AGENT", application=application, user_id="agent-1").get("/api/appointments/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    _assert_common_headers(response)


def test_api_error_responses_carry_them_too(client):
    response = client.get("/api/appointments/")
    assert response.status_code == 401
    _assert_common_headers(response)


def test_admin_pages_carry_a_policy_without_inline_scripts(admin_client):
    for path in ("/admin/", "/admin/login/", "/admin/appointments/appointment/"):
        response = admin_client.get(path, follow=True)
        assert response.status_code == 200, path
        _assert_common_headers(response)
        policy = _policy(response)
        _assert_no_inline_script(policy)
        assert policy["script-src"] == ["'self'"]


def test_api_docs_page_allows_exactly_what_it_loads(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    _assert_common_headers(response)
    policy = _policy(response)
    _assert_no_inline_script(policy)
    html = response.content.decode()
    # Every script is loaded from a URL the policy allows; none is written into the page.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(not body.strip() for _, body in scripts), "inline script on the docs page"
    for attributes, _ in scripts:
        src = re.search(r'src="([^"]+)"', attributes).group(1)
        assert _allows(policy, "script-src", src), src
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert _allows(policy, "style-src", href), href
    for href in re.findall(r'<link rel="icon" href="([^"]+)"', html):
        assert _allows(policy, "img-src", href), href


def test_api_docs_script_is_served_from_our_origin(client):
    html = client.get(DOCS).content.decode()
    start_up = [src for src in re.findall(r'<script src="([^"]+)"', html) if "script=" in src]
    assert len(start_up) == 1 and not urlsplit(start_up[0]).netloc
    script = client.get(start_up[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    _assert_common_headers(script)


@pytest.fixture
def static_client(client):
    """The test client, with WhiteNoise serving files from the apps' static folders as in development."""
    # WhiteNoise reads its settings when the client first builds the middleware chain.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        yield client


@pytest.mark.parametrize("path", [DOCS, REDOC])
def test_api_docs_pages_load_only_our_own_files(static_client, path):
    response = static_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    fetched = [url.replace("&amp;", "&") for url in _FETCHED.findall(html)]
    assert any(url.endswith(".js") for url in fetched), fetched
    # No file from another origin: the page works on a network without internet.
    assert [url for url in fetched if urlsplit(url).netloc or url.startswith("//")] == []
    for url in fetched:
        asset = static_client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content if asset.streaming else [asset.content]), url
    # And the policy names no other origin either.
    policy = _policy(response)
    assert [source for sources in policy.values() for source in sources if "://" in source] == []


def test_redoc_page_runs_no_inline_script_and_allows_only_its_worker(client):
    response = client.get(REDOC)
    assert response.status_code == 200
    policy = _policy(response)
    _assert_no_inline_script(policy)
    assert policy["script-src"] == ["'self'"]
    # ReDoc's search runs in a Web Worker it builds from a blob: URL.
    assert policy["worker-src"] == ["'self'", "blob:"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    assert scripts and all(not body.strip() for _, body in scripts), "inline script on the ReDoc page"


def test_the_sites_policy_is_untouched_by_the_docs_pages(client, admin_client):
    # The docs pages' allowances are theirs alone.
    policy = _policy(admin_client.get("/admin/"))
    assert "worker-src" not in policy
    assert policy["img-src"] == ["'self'"]
