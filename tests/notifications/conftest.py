"""Fixtures for the notification tests; the loopback providers live in tests/providers.py."""

import pytest


@pytest.fixture
def admin_client(client_for):
    return client_for("ROLE_ADMIN", user_id="admin-1")
