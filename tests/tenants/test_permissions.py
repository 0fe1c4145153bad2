import pytest

pytestmark = [pytest.mark.urls("tests.tenants.urls"), pytest.mark.django_db]


@pytest.mark.parametrize(
    ("roles", "path", "expected"),
    [
        (["ROLE_AGENT"], "/api/probe/agent-or-supervisor", 200),
        (["ROLE_SUPERVISOR"], "/api/probe/agent-or-supervisor", 200),
        (["ROLE_CUSTOMER"], "/api/probe/agent-or-supervisor", 403),
        (["ROLE_CLIENT_SERVICE"], "/api/probe/agent-or-supervisor", 403),
        ([], "/api/probe/agent-or-supervisor", 403),
        (["ROLE_CLIENT_SERVICE"], "/api/probe/client-service", 200),
        (["ROLE_ADMIN", "ROLE_AGENT"], "/api/probe/client-service", 403),
        (["ROLE_CUSTOMER", "ROLE_CLIENT_SERVICE"], "/api/probe/client-service", 200),
    ],
)
def test_role_permission_classes_compose(client_for, roles, path, expected):
    response = client_for(*roles).get(path)
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["error"] == "Forbidden"


def test_unauthenticated_call_to_a_role_endpoint_is_401_not_403(api_client):
    assert api_client.get("/api/probe/client-service").status_code == 401
