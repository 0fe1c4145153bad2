"""CRUD of /api/notifications/templates/: validation, uniqueness, tenancy, roles, query counts."""

from datetime import timedelta

import pytest
from django.db import IntegrityError

from notifications.models import NotificationTemplate
from notifications.services import template_create

TEMPLATES = "/api/notifications/templates/"


def _body(**overrides):
    body = {
        "type": "REMINDER",
        "channel": "EMAIL",
        "locale": "en-GB",
        "subject": "Reminder: {{title}}",
        "textBody": "Dear {{firstName}}, see you on {{EEEE d MMMM}} at {{time24}} {{zone}}.",
        "htmlBody": '<p>Dear {{firstName}}, <a href="{{roomUrl}}">join here</a></p>',
        "period": "P1D",
    }
    return {**body, **overrides}


def _template(application, **overrides):
    fields = {
        "type": "CREATE",
        "channel": "SMS",
        "locale": "en_US",
        "text_body": "Booked: {{title}} on {{dd-MM-yyyy}}",
    }
    return template_create(application=application, **{**fields, **overrides})


def test_create_returns_the_template_in_camel_case(admin_client, application):
    response = admin_client.post(TEMPLATES, _body(active=False), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    template = NotificationTemplate.objects.get(pk=body["id"])
    assert body == {
        "id": str(template.pk),
        "applicationId": str(application.pk),
        "type": "REMINDER",
        "channel": "EMAIL",
        "locale": "en_GB",
        "subject": "Reminder: {{title}}",
        "textBody": "Dear {{firstName}}, see you on {{EEEE d MMMM}} at {{time24}} {{zone}}.",
        "htmlBody": '<p>Dear {{firstName}}, <a href="{{roomUrl}}">join here</a></p>',
        "period": "P1D",
        "active": False,
        "createdAt": template.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAt": template.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert template.application == application
    assert template.period == timedelta(days=1)


def test_the_documents_period_prose_is_accepted(admin_client):
    response = admin_client.post(TEMPLATES, _body(period="PT1H (1 hour before)"), format="json")

    assert response.status_code == 201
    assert response.json()["period"] == "PT1H"


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("textBody", "Dear {{fristName}}", "unknown tag {{fristName}} (did you mean {{firstName}}?)"),
        ("htmlBody", "<p>{{customerEmail}}</p>", "unknown tag {{customerEmail}}"),
        ("subject", "About {{title", "malformed tag {{title"),
        ("textBody", "On {{MMMMMMM}}", "malformed date pattern {{MMMMMMM}}"),
    ],
)
def test_templates_with_bad_tags_are_refused_naming_the_tag(admin_client, field, text, message):
    response = admin_client.post(TEMPLATES, _body(**{field: text}), format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}
    assert message in response.json()["message"]
    assert not NotificationTemplate.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"period": None}, "period", "is required for REMINDER and ROOM templates"),
        ({"type": "ROOM", "period": None}, "period", "is required for REMINDER and ROOM templates"),
        ({"type": "CREATE"}, "period", "applies only to REMINDER and ROOM templates"),
        ({"period": "PT0S"}, "period", "must be longer than zero"),
        ({"channel": "SMS"}, "htmlBody", "is not used by SMS templates; leave it empty"),
        ({"channel": "SMS", "htmlBody": "", "textBody": ""}, "textBody", "is required for SMS templates"),
        ({"subject": ""}, "subject", "is required for EMAIL templates"),
        (
            {"locale": "sw-KE"},
            "locale",
            "sw_KE is not a supported locale (see GET /api/notifications/locales)",
        ),
        ({"type": "BIRTHDAY"}, "type", '"BIRTHDAY" is not a valid choice.'),
        ({"channel": "WEBHOOKS"}, "channel", '"WEBHOOKS" is not a valid choice.'),
    ],
)
def test_invalid_templates_are_400_naming_the_field(admin_client, overrides, field, message):
    response = admin_client.post(TEMPLATES, _body(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()["fields"][field] == [message]
    assert not NotificationTemplate.objects.exists()


def test_several_reminders_with_different_periods_are_allowed(admin_client):
    assert admin_client.post(TEMPLATES, _body(period="P1D"), format="json").status_code == 201
    assert admin_client.post(TEMPLATES, _body(period="PT15M"), format="json").status_code == 201

    response = admin_client.post(TEMPLATES, _body(period="PT24H"), format="json")

    assert response.status_code == 409
    assert response.json()["message"] == "a REMINDER EMAIL template for en_GB and period P1D already exists"


def test_one_untimed_template_per_type_channel_and_locale(admin_client):
    body = _body(type="CANCEL", period=None)
    assert admin_client.post(TEMPLATES, body, format="json").status_code == 201
    assert admin_client.post(TEMPLATES, {**body, "locale": "de_DE"}, format="json").status_code == 201

    assert admin_client.post(TEMPLATES, body, format="json").status_code == 409


def test_the_database_refuses_a_reminder_without_a_period(application):
    with pytest.raises(IntegrityError):
        NotificationTemplate.objects.create(
            application=application, type="REMINDER", channel="SMS", locale="en_US", text_body="hi"
        )


def test_the_database_refuses_a_period_on_an_untimed_template(application):
    with pytest.raises(IntegrityError):
        NotificationTemplate.objects.create(
            application=application,
            type="CREATE",
            channel="SMS",
            locale="en_US",
            text_body="hi",
            period=timedelta(hours=1),
        )


def test_list_shows_only_the_callers_templates_with_few_queries(
    admin_client, application, other_application, django_assert_max_num_queries
):
    mine = [_template(application, locale=locale) for locale in ("en_US", "el_GR", "de_DE")]
    _template(other_application)

    with django_assert_max_num_queries(3):
        response = admin_client.get(TEMPLATES)

    assert response.status_code == 200
    assert {item["id"] for item in response.json()["content"]} == {str(t.pk) for t in mine}


def test_list_filters_by_type_channel_and_locale(admin_client, application):
    sms = _template(application)
    _template(application, channel="EMAIL", subject="Booked", locale="en_US")
    _template(application, locale="el_GR")

    response = admin_client.get(TEMPLATES, {"type": "CREATE", "channel": "SMS", "locale": "en-US"})

    assert [item["id"] for item in response.json()["content"]] == [str(sms.pk)]


def test_get_put_patch_delete(admin_client, application):
    template = _template(application)
    url = f"{TEMPLATES}{template.pk}"

    assert admin_client.get(url).json()["textBody"] == "Booked: {{title}} on {{dd-MM-yyyy}}"

    put = admin_client.put(
        url, {"type": "UPDATE", "channel": "SMS", "locale": "de_DE", "textBody": "Neu"}, format="json"
    )
    assert put.status_code == 200, put.content
    assert (put.json()["type"], put.json()["locale"], put.json()["active"]) == ("UPDATE", "de_DE", True)

    patch = admin_client.patch(url, {"active": False}, format="json")
    assert patch.status_code == 200
    template.refresh_from_db()
    assert (template.type, template.text_body, template.active) == ("UPDATE", "Neu", False)

    assert admin_client.delete(url).status_code == 204
    assert not NotificationTemplate.objects.exists()
    assert admin_client.get(url).status_code == 404


def test_patch_validates_the_resulting_template(admin_client, application):
    template = _template(application)

    response = admin_client.patch(f"{TEMPLATES}{template.pk}", {"type": "REMINDER"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"period": ["is required for REMINDER and ROOM templates"]}
    template.refresh_from_db()
    assert template.type == "CREATE"


def test_patch_refuses_a_bad_tag(admin_client, application):
    template = _template(application)

    response = admin_client.patch(f"{TEMPLATES}{template.pk}", {"textBody": "{{nme}}"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["textBody"][0].startswith("unknown tag {{nme}}")


def test_an_update_into_an_existing_slot_is_409(admin_client, application):
    _template(application, locale="en_US")
    greek = _template(application, locale="el_GR")

    assert admin_client.patch(f"{TEMPLATES}{greek.pk}", {"locale": "en_US"}, format="json").status_code == 409


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_applications_template_is_404(admin_client, other_application, method):
    theirs = _template(other_application)

    response = getattr(admin_client, method)(f"{TEMPLATES}{theirs.pk}", _body(), format="json")

    assert response.status_code == 404
    assert NotificationTemplate.objects.filter(pk=theirs.pk, active=True, type="CREATE").exists()


def test_an_id_that_is_not_a_uuid_is_404(admin_client):
    assert admin_client.get(f"{TEMPLATES}not-a-uuid").status_code == 404


def test_a_body_naming_another_application_is_404(admin_client, application, other_application):
    response = admin_client.post(TEMPLATES, _body(applicationId=str(other_application.pk)), format="json")

    assert response.status_code == 404
    assert not NotificationTemplate.objects.exists()
    assert (
        admin_client.post(TEMPLATES, _body(applicationId=str(application.pk)), format="json").status_code
        == 201
    )


@pytest.mark.parametrize(
    ("method", "detail"),
    [("get", False), ("post", False), ("get", True), ("put", True), ("patch", True), ("delete", True)],
)
def test_only_admins_may_manage_templates(client_for, api_client, application, method, detail):
    url = f"{TEMPLATES}{_template(application).pk}" if detail else TEMPLATES

    for role in ("ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"):
        assert getattr(client_for(role), method)(url, _body(), format="json").status_code == 403
    assert getattr(api_client, method)(url, _body(), format="json").status_code == 401


def test_paths_answer_with_and_without_a_trailing_slash(admin_client, application):
    template = _template(application)

    assert admin_client.get("/api/notifications/templates").status_code == 200
    assert admin_client.get(f"{TEMPLATES}{template.pk}/").status_code == 200
