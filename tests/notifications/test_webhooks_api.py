"""CRUD of /api/notifications/webhooks/: write-only secret, validation, tenancy, roles, query counts."""

import pytest

from notifications.models import WebhookEndpoint
from notifications.services import webhook_endpoint_create

WEBHOOKS = "/api/notifications/webhooks/"
SECRET = "whsec-0123456789abcdef"


def _body(**overrides):
    body = {
        "url": "https://crm.acme.example/hooks/appointments",
        "events": ["CREATE", "CANCEL"],
        "secret": SECRET,
    }
    return {**body, **overrides}


def _endpoint(application, **overrides):
    fields = {"url": "https://crm.acme.example/hooks", "events": ["CREATE"], "secret": SECRET}
    return webhook_endpoint_create(application=application, **{**fields, **overrides})


def test_create_never_shows_the_secret(admin_client, application):
    response = admin_client.post(WEBHOOKS, _body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert set(body) == {"id", "applicationId", "url", "events", "active", "createdAt", "updatedAt"}
    assert (body["url"], body["events"], body["active"]) == (
        "https://crm.acme.example/hooks/appointments",
        ["CREATE", "CANCEL"],
        True,
    )
    assert endpoint.secret == SECRET
    assert endpoint.application == application
    assert SECRET not in admin_client.get(f"{WEBHOOKS}{endpoint.pk}").content.decode()


def test_repeated_events_are_kept_once(admin_client):
    response = admin_client.post(WEBHOOKS, _body(events=["CREATE", "CREATE", "ROOM"]), format="json")

    assert response.json()["events"] == ["CREATE", "ROOM"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"secret": None}, "secret", "This field may not be null."),
        ({"secret": "short"}, "secret", "must be at least 16 characters long"),
        ({"events": []}, "events", "Ensure this field has at least 1 elements."),
        ({"events": ["CREATE", "PAID"]}, "events.1", '"PAID" is not a valid choice.'),
        ({"url": "ftp://crm.acme.example/x"}, "url", "must be an http or https URL"),
        ({"url": "not a url"}, "url", "Enter a valid URL."),
        (
            {"url": "http://127.0.0.1:8080/x"},
            "url",
            "must not point at a private, loopback or link-local address",
        ),
        ({"url": "http://localhost/x"}, "url", "must not point at this machine"),
        (
            {"url": "http://169.254.169.254/latest"},
            "url",
            "must not point at a private, loopback or link-local address",
        ),
    ],
)
def test_invalid_webhooks_are_400_naming_the_field(admin_client, overrides, field, message):
    response = admin_client.post(WEBHOOKS, _body(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()["fields"][field] == [message]
    assert not WebhookEndpoint.objects.exists()


def test_a_secret_is_required_on_create(admin_client):
    body = _body()
    del body["secret"]

    response = admin_client.post(WEBHOOKS, body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"secret": ["is required: every delivery is signed with it"]}


def test_private_targets_are_accepted_when_allowed(admin_client, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True

    assert admin_client.post(WEBHOOKS, _body(url="http://127.0.0.1:8080/x"), format="json").status_code == 201


def test_list_shows_only_the_callers_endpoints_with_few_queries(
    admin_client, application, other_application, django_assert_max_num_queries
):
    mine = [_endpoint(application, url=f"https://crm.acme.example/{n}") for n in range(3)]
    _endpoint(other_application)

    with django_assert_max_num_queries(3):
        response = admin_client.get(WEBHOOKS)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["content"]] == [str(e.pk) for e in mine]


def test_updates_keep_the_secret_unless_a_new_one_is_given(admin_client, application):
    endpoint = _endpoint(application)
    url = f"{WEBHOOKS}{endpoint.pk}"

    put = admin_client.put(url, {"url": "https://crm.acme.example/v2", "events": ["UPDATE"]}, format="json")
    assert put.status_code == 200, put.content
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.secret, endpoint.active) == (
        "https://crm.acme.example/v2",
        ["UPDATE"],
        SECRET,
        True,
    )

    assert admin_client.patch(url, {"secret": "another-secret-of-length"}, format="json").status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret == "another-secret-of-length"

    assert admin_client.patch(url, {"active": False}, format="json").json()["active"] is False


def test_delete(admin_client, application):
    endpoint = _endpoint(application)

    assert admin_client.delete(f"{WEBHOOKS}{endpoint.pk}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_applications_endpoint_is_404(admin_client, other_application, method):
    theirs = _endpoint(other_application)

    response = getattr(admin_client, method)(f"{WEBHOOKS}{theirs.pk}", _body(), format="json")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.url == "https://crm.acme.example/hooks"


def test_a_body_naming_another_application_is_404(admin_client, other_application):
    response = admin_client.post(WEBHOOKS, _body(applicationId=str(other_application.pk)), format="json")

    assert response.status_code == 404
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("method", "detail"),
    [("get", False), ("post", False), ("get", True), ("put", True), ("patch", True), ("delete", True)],
)
def test_only_admins_may_manage_webhooks(client_for, api_client, application, method, detail):
    url = f"{WEBHOOKS}{_endpoint(application).pk}" if detail else WEBHOOKS

    for role in ("ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"):
        assert getattr(client_for(role), method)(url, _body(), format="json").status_code == 403
    assert getattr(api_client, method)(url, _body(), format="json").status_code == 401


def test_paths_answer_with_and_without_a_trailing_slash(admin_client, application):
    endpoint = _endpoint(application)

    assert admin_client.get("/api/notifications/webhooks").status_code == 200
    assert admin_client.get(f"{WEBHOOKS}{endpoint.pk}/").status_code == 200
