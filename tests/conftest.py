"""Fixtures every test module may use: applications, tokens and API clients."""

import pytest
from rest_framework.test import APIClient

from notifications.senders import domains
from tenants.selectors import known_applications_clear
from tenants.services import application_create, token_mint

# Loopback SMTP server, Twilio fake, webhook receiver and verified senders.
pytest_plugins = ["tests.providers"]


@pytest.fixture(autouse=True)
def _forget_known_applications():
    """Each test starts with a web process that knows no application yet."""
    known_applications_clear()


@pytest.fixture(autouse=True)
def dns_txt(monkeypatch):
    """The DNS every test sees, {domain: [TXT strings]}: confirming a sender never queries the real one."""
    records: dict[str, list[str]] = {}
    monkeypatch.setattr(domains, "txt_records", lambda domain: list(records.get(domain, [])))
    return records


@pytest.fixture
def application(db):
    return application_create(name="Acme Support", organization_id="org-acme")


@pytest.fixture
def other_application(db):
    return application_create(name="Globex Care", organization_id="org-globex")


@pytest.fixture
def make_token(application):
    """make_token("ROLE_AGENT", user_id="agent-1") -> a signed access token."""

    def _make(*roles, user_id="agent-1", app=None, conference_id=None, organization_id=None, ttl=None):
        return token_mint(
            user_id=user_id,
            application=app or application,
            roles=list(roles),
            organization_id=organization_id,
            conference_id=conference_id,
            ttl_seconds=ttl,
        )

    return _make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(make_token):
    """client_for("ROLE_AGENT", user_id=...) -> an APIClient sending that token."""

    def _client(*roles, **kwargs):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(*roles, **kwargs)}")
        return client

    return _client
