"""A web process remembers which applications exist, briefly, and forgets one as soon as it changes."""

import uuid

import pytest
from django.db import connection
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from tenants import selectors
from tenants.authentication import PrincipalJWTAuthentication
from tenants.models import Application
from tenants.services import token_mint

pytestmark = [pytest.mark.urls("tests.tenants.urls"), pytest.mark.django_db]

WHOAMI = "/api/probe/whoami"


def whoami(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client.get(WHOAMI)


def test_the_application_is_read_once_then_remembered(api_client, make_token, django_assert_num_queries):
    token = make_token("ROLE_AGENT")

    with django_assert_num_queries(1):
        assert whoami(api_client, token).status_code == 200
    with django_assert_num_queries(0):
        assert whoami(api_client, token).status_code == 200


def test_a_deleted_application_is_refused_at_once(api_client, application, make_token):
    token = make_token("ROLE_AGENT")
    assert whoami(api_client, token).status_code == 200

    application.delete()

    assert whoami(api_client, token).status_code == 401


def test_a_changed_organization_is_seen_at_once(application):
    assert selectors.application_organization_id(application_id=application.pk) == "org-acme"

    application.organization_id = "org-new"
    application.save()

    assert selectors.application_organization_id(application_id=application.pk) == "org-new"


def test_unknown_applications_are_not_remembered(api_client, application, make_token):
    missing = uuid.uuid4()
    token = token_mint(user_id="agent-1", application=Application(id=missing, organization_id="o"), roles=[])
    assert whoami(api_client, token).status_code == 401

    Application.objects.create(id=missing, name="Just made", organization_id="o")

    assert whoami(api_client, token).status_code == 200


def test_what_is_remembered_expires(api_client, make_token, monkeypatch, django_assert_num_queries, settings):
    settings.APPLICATION_CACHE_SECONDS = 30
    token = make_token("ROLE_AGENT")
    clock = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    whoami(api_client, token)

    clock[0] += 29
    with django_assert_num_queries(0):
        whoami(api_client, token)
    clock[0] += 2
    with django_assert_num_queries(1):
        whoami(api_client, token)


def test_zero_seconds_reads_the_application_every_time(
    api_client, make_token, settings, django_assert_num_queries
):
    settings.APPLICATION_CACHE_SECONDS = 0
    token = make_token("ROLE_AGENT")
    whoami(api_client, token)

    with django_assert_num_queries(1):
        whoami(api_client, token)


def test_an_application_another_process_deleted_fails_the_first_operation_needing_it(application, make_token):
    token = make_token("ROLE_AGENT")
    _principal(token)  # this process now remembers the application
    with connection.cursor() as cursor:  # no signal reaches this process
        cursor.execute("DELETE FROM tenants_application WHERE id = %s", [application.pk.hex])

    principal = _principal(token)  # still remembered: the token passes...

    with pytest.raises(AuthenticationFailed):  # ...until something needs the application itself
        _ = principal.application


def _principal(token):
    authentication = PrincipalJWTAuthentication()
    return authentication.get_user(authentication.get_validated_token(token.encode()))
