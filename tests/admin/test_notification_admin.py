"""Templates, webhooks and senders in the console: scoped, checked by the services, secrets never shown."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from notifications.models import (
    Channel,
    ChannelSender,
    NotificationTemplate,
    SenderVerification,
    VerificationStatus,
    WebhookEndpoint,
)
from notifications.services import template_create, webhook_endpoint_create

pytestmark = pytest.mark.django_db

TEMPLATES = "/admin/notifications/notificationtemplate/"
WEBHOOKS = "/admin/notifications/webhookendpoint/"
NOT_FOUND = "doesn’t exist"
SECRET = "s3cret-that-signs-every-delivery"
# A day later on the next quarter hour: 08:15 UTC on 31 March 2030, 10:15 CEST in Berlin.
NOW = datetime(2030, 3, 30, 8, 7, tzinfo=UTC)


@pytest.fixture
def supervisor(make_supervisor, application):
    return make_supervisor(application)


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def my_template(application):
    return template_create(
        application=application,
        type="CREATE",
        channel=Channel.EMAIL,
        locale="de_DE",
        subject="Termin: {{title}}",
        text_body="Hallo {{firstName}}, am {{EEEE d MMMM}} um {{time24}} {{zone}}.",
        html_body="<p>Hallo <b>{{firstName}}</b></p>",
    )


@pytest.fixture
def their_template(other_application):
    return template_create(
        application=other_application,
        type="CREATE",
        channel=Channel.SMS,
        locale="en_US",
        text_body="Globex confidential {{title}}",
    )


@pytest.fixture
def their_webhook(other_application):
    return webhook_endpoint_create(
        application=other_application, url="https://hooks.globex.example/in", events=["CREATE"], secret=SECRET
    )


def _template_form(application, **overrides) -> dict:
    form = {
        "application": str(application.pk),
        "type": "CREATE",
        "channel": "SMS",
        "locale": "en_US",
        "period": "",
        "subject": "",
        "text_body": "Hi {{firstName}}",
        "html_body": "",
        "active": "on",
    }
    return form | overrides


# --- scoping ---------------------------------------------------------------------------


def test_supervisor_lists_only_their_templates(supervisor_client, my_template, their_template):
    response = supervisor_client.get(TEMPLATES)
    assert list(response.context["cl"].result_list) == [my_template]
    assert "Globex" not in response.content.decode()


@pytest.mark.parametrize("page", ["change", "history", "delete", "preview", "test-send"])
def test_another_applications_template_by_url_does_not_exist(supervisor_client, their_template, page):
    response = supervisor_client.get(f"{TEMPLATES}{their_template.pk}/{page}/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    body = response.content.decode()
    assert NOT_FOUND in body and "Globex confidential" not in body


def test_a_test_send_of_another_applications_template_sends_nothing(
    supervisor_client, their_template, smtp_server
):
    response = supervisor_client.post(
        f"{TEMPLATES}{their_template.pk}/test-send/", {"to": "+306931221100", "timezone": "UTC"}
    )
    assert response.status_code == 302 and response.url == "/admin/"
    assert smtp_server.messages == []


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_another_applications_webhook_by_url_does_not_exist(supervisor_client, their_webhook, page):
    response = supervisor_client.get(f"{WEBHOOKS}{their_webhook.pk}/{page}/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "globex" not in response.content.decode().lower()


def test_a_template_cannot_be_added_to_another_application(supervisor_client, other_application):
    response = supervisor_client.post(f"{TEMPLATES}add/", _template_form(other_application))
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationTemplate.objects.exists()


# --- saving through the services ---------------------------------------------------------


def test_a_valid_template_is_created(supervisor_client, application):
    response = supervisor_client.post(f"{TEMPLATES}add/", _template_form(application))
    assert response.status_code == 302
    template = NotificationTemplate.objects.get()
    assert (template.application, template.text_body) == (application, "Hi {{firstName}}")


def test_an_unknown_tag_is_refused_naming_it(supervisor_client, application):
    response = supervisor_client.post(
        f"{TEMPLATES}add/", _template_form(application, text_body="Hi {{fristName}}")
    )
    errors = response.context["adminform"].form.errors
    assert "unknown tag {{fristName}}" in errors["text_body"][0]
    assert not NotificationTemplate.objects.exists()


def test_the_services_rules_apply_as_in_the_api(supervisor_client, application):
    # Only notifications.services knows that an SMS has no subject: the console asked it.
    response = supervisor_client.post(f"{TEMPLATES}add/", _template_form(application, subject="Hello"))
    assert response.context["adminform"].form.errors["subject"] == [
        "is not used by SMS templates; leave it empty"
    ]
    assert not NotificationTemplate.objects.exists()


def test_a_change_that_would_duplicate_a_template_is_refused(supervisor_client, application, my_template):
    other = template_create(
        application=application,
        type="CREATE",
        channel=Channel.EMAIL,
        locale="en_US",
        subject="Hi",
        text_body="Hi",
    )
    url = f"{TEMPLATES}{other.pk}/change/"
    data = _template_form(application, channel="EMAIL", locale="de_DE", subject="Hi", text_body="Hi")
    response = supervisor_client.post(url, data)
    assert "already exists" in str(response.context["adminform"].form.non_field_errors())
    other.refresh_from_db()
    assert other.locale == "en_US"


def test_a_template_change_is_saved(supervisor_client, application, my_template):
    url = f"{TEMPLATES}{my_template.pk}/change/"
    data = _template_form(
        application,
        channel="EMAIL",
        locale="de_DE",
        subject="Neu: {{title}}",
        text_body=my_template.text_body,
        html_body="",
    )
    assert supervisor_client.post(url, data).status_code == 302
    my_template.refresh_from_db()
    assert (my_template.subject, my_template.html_body) == ("Neu: {{title}}", "")


# --- preview and test send -----------------------------------------------------------------


def test_the_preview_renders_the_sample_in_the_templates_locale(client, supervisor, my_template):
    with time_machine.travel(NOW):
        client.force_login(supervisor)  # A session made before the trip would have expired by 2030.
        supervisor_client = client
        response = supervisor_client.get(
            f"{TEMPLATES}{my_template.pk}/preview/", {"timezone": "Europe/Berlin"}
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Termin: Product installation review" in body
    assert "Hallo Bobby, am Sonntag 31 März um 10:15 CEST." in body
    # The HTML part is shown in a sandboxed frame, escaped into its srcdoc.
    assert 'sandbox="" srcdoc="&lt;p&gt;Hallo &lt;b&gt;Bobby&lt;/b&gt;&lt;/p&gt;"' in body


def test_the_change_form_links_preview_and_test_send(supervisor_client, my_template):
    body = supervisor_client.get(f"{TEMPLATES}{my_template.pk}/change/").content.decode()
    assert (
        f"{TEMPLATES}{my_template.pk}/preview/" in body and f"{TEMPLATES}{my_template.pk}/test-send/" in body
    )


def test_test_send_uses_the_api_code_path(
    supervisor_client, supervisor, my_template, email_sender, smtp_server
):
    url = f"{TEMPLATES}{my_template.pk}/test-send/"
    form = supervisor_client.get(url)
    assert "csrfmiddlewaretoken" in form.content.decode()
    with time_machine.travel(NOW):
        supervisor_client.force_login(
            supervisor
        )  # A session made before the trip would have expired by 2030.
        response = supervisor_client.post(url, {"to": "dana@acme.example", "timezone": "Europe/Berlin"})

    assert response.status_code == 302
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["dana@acme.example"]
    assert mail.message["From"] == "Acme Appointments <no-reply@appointments.acme.example>"
    assert mail.message["Subject"] == "Termin: Product installation review"
    assert mail.part("text/plain").strip() == "Hallo Bobby, am Sonntag 31 März um 10:15 CEST."


def test_test_send_without_a_verified_sender_says_so(supervisor_client, my_template, smtp_server):
    response = supervisor_client.post(
        f"{TEMPLATES}{my_template.pk}/test-send/", {"to": "dana@acme.example", "timezone": "UTC"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert smtp_server.messages == []


def test_test_send_checks_the_address_for_the_channel(supervisor_client, my_template, application):
    response = supervisor_client.post(
        f"{TEMPLATES}{my_template.pk}/test-send/", {"to": "nobody", "timezone": "UTC"}
    )
    assert response.context["form"].errors["to"] == ["Enter a valid email address."]
    sms = template_create(
        application=application, type="CREATE", channel=Channel.SMS, locale="en_US", text_body="x"
    )
    response = supervisor_client.post(f"{TEMPLATES}{sms.pk}/test-send/", {"to": "call me", "timezone": "UTC"})
    assert response.context["form"].errors["to"]


# --- webhooks ------------------------------------------------------------------------------


def _webhook_form(application, **overrides) -> dict:
    form = {
        "application": str(application.pk),
        "url": "https://hooks.acme.example/in",
        "events": ["CREATE", "CANCEL"],
        "new_secret": SECRET,
        "active": "on",
    }
    return form | overrides


def test_a_webhook_is_created_and_its_secret_never_shown(supervisor_client, application):
    response = supervisor_client.post(f"{WEBHOOKS}add/", _webhook_form(application))
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.secret, endpoint.events) == (SECRET, ["CREATE", "CANCEL"])
    for url in (WEBHOOKS, f"{WEBHOOKS}{endpoint.pk}/change/", f"{WEBHOOKS}{endpoint.pk}/history/"):
        assert SECRET not in supervisor_client.get(url).content.decode(), url


def test_leaving_the_secret_empty_keeps_it(supervisor_client, application):
    endpoint = webhook_endpoint_create(
        application=application, url="https://hooks.acme.example/in", events=["CREATE"], secret=SECRET
    )
    data = _webhook_form(application, new_secret="", events=["UPDATE"])
    assert supervisor_client.post(f"{WEBHOOKS}{endpoint.pk}/change/", data).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.events) == (SECRET, ["UPDATE"])


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"new_secret": "short"}, "new_secret", "must be at least 16 characters long"),
        ({"new_secret": ""}, "new_secret", "A new endpoint needs a secret."),
        (
            {"url": "https://127.0.0.1/hook"},
            "url",
            "must not point at a private, loopback or link-local address",
        ),
    ],
)
def test_webhooks_are_checked_like_the_api(supervisor_client, application, overrides, field, message):
    response = supervisor_client.post(f"{WEBHOOKS}add/", _webhook_form(application, **overrides))
    assert response.context["adminform"].form.errors[field] == [message]
    assert not WebhookEndpoint.objects.exists()


# --- senders on the application page ---------------------------------------------------------


def test_the_application_page_shows_senders_and_their_verification(
    supervisor_client, application, email_sender
):
    SenderVerification(
        application=application,
        channel=Channel.SMS,
        from_number="+302102234988",
        sent_to="+306931221100",
        status=VerificationStatus.PENDING,
        expires_at=timezone.now() + timezone.timedelta(minutes=5),
        code_hash="x" * 64,
    ).save()
    body = supervisor_client.get(f"/admin/tenants/application/{application.pk}/change/").content.decode()
    assert "Acme Appointments &lt;no-reply@appointments.acme.example&gt;" in body
    assert "Verified " in body
    assert "Not verified: this channel sends nothing; verification of +302102234988 pending" in body
    # Shown, not editable.
    assert 'name="domain"' not in body and ChannelSender.objects.count() == 1
