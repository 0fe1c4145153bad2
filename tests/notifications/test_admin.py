"""The admin shows notification settings and refuses broken templates like the API does."""

import pytest

from notifications.models import NotificationTemplate


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("ops", "ops@example.com", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", ["notificationtemplate", "webhookendpoint", "channelsender", "senderverification"]
)
def test_changelists_load(staff_client, email_sender, model):
    assert staff_client.get(f"/admin/notifications/{model}/").status_code == 200


def test_senders_are_read_only(staff_client, email_sender):
    assert staff_client.get("/admin/notifications/channelsender/add/").status_code == 403


def _form(application, **overrides):
    form = {
        "application": str(application.pk),
        "type": "CREATE",
        "channel": "SMS",
        "locale": "en_US",
        "subject": "",
        "text_body": "Hi {{firstName}}",
        "html_body": "",
        "period": "",
        "active": "on",
    }
    return {**form, **overrides}


def test_the_admin_saves_a_valid_template(staff_client, application):
    response = staff_client.post("/admin/notifications/notificationtemplate/add/", _form(application))

    assert response.status_code == 302
    assert NotificationTemplate.objects.get().text_body == "Hi {{firstName}}"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"text_body": "Hi {{fristName}}"}, "unknown tag {{fristName}}"),
        ({"type": "REMINDER"}, "REMINDER and ROOM templates need a positive period; others none."),
    ],
)
def test_the_admin_refuses_broken_templates(staff_client, application, overrides, error):
    response = staff_client.post(
        "/admin/notifications/notificationtemplate/add/", _form(application, **overrides)
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not NotificationTemplate.objects.exists()
