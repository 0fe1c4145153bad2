"""The development `demo` command behind bin/dev."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from notifications.models import Delivery, NotificationTemplate
from tenants.models import Application

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = StringIO()
    call_command("demo", "--base-url", "http://127.0.0.1:8123", stdout=out)
    return out.getvalue()


def test_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        _demo()
    assert not Application.objects.exists()


def test_demo_prints_working_tokens_and_a_booking_notifies(settings):
    settings.DEBUG = True
    output = _demo()
    application = Application.objects.get()
    assert NotificationTemplate.objects.filter(application=application).count() == 4
    agent_token = re.search(r"ROLE_AGENT\s+(\S+)", output).group(1)
    assert "http://127.0.0.1:8123/api/appointments/" in output

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {agent_token}")
    response = client.post(
        "/api/appointments/",
        {
            "applicationId": str(application.pk),
            "start": "2030-01-31T19:00:00Z",
            "duration": "PT30M",
            "timezone": "Europe/Berlin",
            "customer": {"contact": {"primaryEmail": "bob@example.com", "primaryPhone": "+12025550123"}},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    planned = set(Delivery.objects.values_list("type", "channel"))
    assert planned == {("CREATE", "EMAIL"), ("REMINDER", "SMS")}


def test_demo_is_idempotent(settings):
    settings.DEBUG = True
    _demo()
    second = _demo()
    assert Application.objects.count() == 1
    assert "password unchanged" in second
