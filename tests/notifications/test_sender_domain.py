"""Mail goes From the application's domain only once the domain is proven; otherwise from the service's.

A confirmed code proves that an address receives mail. The domain is proven when
that address is of the domain, or when the domain publishes the application's
TXT record; DNS is the `dns_txt` stub of tests/conftest.py, never the real one.
"""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.services import appointment_delete, appointment_schedule
from notifications.models import Channel, ChannelSender, Delivery, DomainProof, SenderVerification
from notifications.pipeline.sending import delivery_send
from notifications.senders import domains
from notifications.senders.services import direct_message_send, sender_domain_recheck
from notifications.services import template_create
from participants.services import CustomerDetails
from tenants.models import Application

EMAIL_VERIFY = "/api/notifications/emails/verify"
EMAIL_CONFIRM = "/api/notifications/emails/confirm"
DOMAIN = "appointments.acme.example"
SERVICE = "no-reply@appointments.localhost"
SENDERS = "/admin/notifications/channelsender/"


@pytest.fixture(autouse=True)
def service_address(settings):
    settings.DEFAULT_FROM_EMAIL = f"Appointments Service <{SERVICE}>"


def _code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def _verify(client, application, *, to="it@acme.example", domain=DOMAIN):
    body = {
        "applicationId": str(application.pk),
        "domain": domain,
        "fromName": "Acme No-Reply",
        "toEmail": to,
    }
    response = client.post(EMAIL_VERIFY, body, format="json")
    assert response.status_code == 200, response.content
    return SenderVerification.objects.filter(application=application).latest("created_at")


def _confirm(client, application, smtp_server) -> ChannelSender:
    code = _code_in(smtp_server.messages[-1].part("text/plain"))
    response = client.post(EMAIL_CONFIRM, {"applicationId": str(application.pk), "code": code}, format="json")
    assert response.status_code == 204, response.content
    return ChannelSender.objects.get(application=application, channel=Channel.EMAIL)


def _dns_fails(monkeypatch, reason: str) -> None:
    def no_answer(domain):
        raise domains.DnsLookupFailed(reason)

    monkeypatch.setattr(domains, "txt_records", no_answer)


def _sent_headers(application, smtp_server) -> tuple[str, str | None]:
    """(From, Reply-To) of a message sent now from the application's sender."""
    direct_message_send(
        application=application, channel=Channel.EMAIL, to="bobby@example.com", text_body="Hi"
    )
    mail = smtp_server.messages[-1]
    return mail.message["From"], mail.message["Reply-To"]


# --- not proven -----------------------------------------------------------------------------


def test_an_unproven_domain_sends_from_the_service_with_reply_to_the_verified_address(
    admin_client, application, smtp_server
):
    _verify(admin_client, application)
    # The code itself must not claim a domain nobody has proven yet.
    verification_mail = smtp_server.messages[0]
    assert verification_mail.message["From"] == f"Acme No-Reply <{SERVICE}>"
    assert verification_mail.message["Reply-To"] is None

    sender = _confirm(admin_client, application, smtp_server)

    assert (sender.domain, sender.domain_proven_by) == (DOMAIN, DomainProof.NONE)
    assert _sent_headers(application, smtp_server) == (f"Acme No-Reply <{SERVICE}>", "it@acme.example")


@pytest.mark.parametrize(
    "to, domain",
    [
        ("it@acme.example", "appointments.acme.example"),  # the parent domain's address
        ("it@evilacme.example", "acme.example"),  # a name that merely ends the same
        ("it@acme.example.evil.example", "acme.example"),
    ],
)
def test_an_address_outside_the_domain_proves_nothing(admin_client, application, smtp_server, to, domain):
    _verify(admin_client, application, to=to, domain=domain)
    sender = _confirm(admin_client, application, smtp_server)

    assert sender.domain_proven_by == DomainProof.NONE
    assert _sent_headers(application, smtp_server) == (f"Acme No-Reply <{SERVICE}>", to)


# --- proven by the code's address -------------------------------------------------------------


@pytest.mark.parametrize("to", ["it@appointments.acme.example", "IT@Mail.Appointments.Acme.Example"])
def test_a_code_received_at_an_address_of_the_domain_proves_it(admin_client, application, smtp_server, to):
    _verify(admin_client, application, to=to)
    sender = _confirm(admin_client, application, smtp_server)

    assert sender.domain_proven_by == DomainProof.ADDRESS
    assert _sent_headers(application, smtp_server) == (f"Acme No-Reply <no-reply@{DOMAIN}>", None)


# --- proven by DNS --------------------------------------------------------------------------------


def test_a_txt_record_with_the_applications_token_proves_the_domain(
    admin_client, application, smtp_server, dns_txt
):
    verification = _verify(admin_client, application)
    assert len(verification.dns_token) >= 32
    dns_txt[DOMAIN] = ["v=spf1 -all", f"appointments-verification={verification.dns_token}"]

    sender = _confirm(admin_client, application, smtp_server)

    assert (sender.domain_proven_by, sender.dns_token) == (DomainProof.DNS, verification.dns_token)
    assert _sent_headers(application, smtp_server) == (f"Acme No-Reply <no-reply@{DOMAIN}>", None)


@pytest.mark.parametrize(
    "records",
    [[], ["appointments-verification=not-the-token"], ["appointments-verification="], ["v=spf1 -all"]],
)
def test_a_missing_or_wrong_txt_record_proves_nothing(
    admin_client, application, smtp_server, dns_txt, records
):
    _verify(admin_client, application)
    dns_txt[DOMAIN] = records

    sender = _confirm(admin_client, application, smtp_server)

    assert sender.domain_proven_by == DomainProof.NONE
    assert _sent_headers(application, smtp_server)[0] == f"Acme No-Reply <{SERVICE}>"


def test_tokens_are_per_application_and_domain_and_survive_a_new_code(
    admin_client, client_for, application, other_application, smtp_server, dns_txt
):
    first = _verify(admin_client, application)
    again = _verify(admin_client, application)
    elsewhere = _verify(admin_client, application, domain="mail.acme.example")
    theirs = _verify(client_for("ROLE_ADMIN", app=other_application), other_application)

    assert first.dns_token == again.dns_token  # a record published once keeps working
    assert len({first.dns_token, elsewhere.dns_token, theirs.dns_token}) == 3
    # Another application's record at the same domain proves nothing for this one.
    dns_txt[DOMAIN] = [f"appointments-verification={theirs.dns_token}"]
    _verify(admin_client, application)
    assert _confirm(admin_client, application, smtp_server).domain_proven_by == DomainProof.NONE


def test_dns_that_does_not_answer_leaves_the_domain_unproven(
    admin_client, application, smtp_server, monkeypatch
):
    _verify(admin_client, application)
    _dns_fails(monkeypatch, "timed out")

    assert _confirm(admin_client, application, smtp_server).domain_proven_by == DomainProof.NONE


# --- re-checking DNS ------------------------------------------------------------------------------


@pytest.fixture
def unproven_sender(application):
    return ChannelSender.objects.create(
        application=application,
        channel=Channel.EMAIL,
        domain=DOMAIN,
        from_name="Acme Appointments",
        verified_at=timezone.now(),
        verified_with="it@acme.example",
        dns_token="0123456789abcdef0123456789abcdef",
    )


def test_recheck_follows_the_txt_record_both_ways(unproven_sender, dns_txt):
    assert sender_domain_recheck(sender=unproven_sender).domain_proven_by == DomainProof.NONE

    dns_txt[DOMAIN] = [f"appointments-verification={unproven_sender.dns_token}"]
    assert sender_domain_recheck(sender=unproven_sender).domain_proven_by == DomainProof.DNS

    dns_txt[DOMAIN] = []  # the record was taken down: the proof lapses
    assert sender_domain_recheck(sender=unproven_sender).domain_proven_by == DomainProof.NONE
    unproven_sender.refresh_from_db()
    assert unproven_sender.domain_proven_by == DomainProof.NONE


def test_recheck_keeps_an_address_proof_and_a_state_dns_could_not_tell(unproven_sender, monkeypatch):
    ChannelSender.objects.filter(pk=unproven_sender.pk).update(domain_proven_by=DomainProof.ADDRESS)
    unproven_sender.refresh_from_db()
    assert sender_domain_recheck(sender=unproven_sender).domain_proven_by == DomainProof.ADDRESS

    ChannelSender.objects.filter(pk=unproven_sender.pk).update(domain_proven_by=DomainProof.DNS)
    unproven_sender.refresh_from_db()
    _dns_fails(monkeypatch, "timed out")
    with pytest.raises(domains.DnsLookupFailed):
        sender_domain_recheck(sender=unproven_sender)
    unproven_sender.refresh_from_db()
    assert unproven_sender.domain_proven_by == DomainProof.DNS


def test_recheck_does_not_prove_a_domain_changed_meanwhile(unproven_sender, dns_txt):
    dns_txt[DOMAIN] = [f"appointments-verification={unproven_sender.dns_token}"]
    # A newer confirmation switched the sender to another domain after this copy was read.
    ChannelSender.objects.filter(pk=unproven_sender.pk).update(domain="other.example")

    sender_domain_recheck(sender=unproven_sender)

    assert ChannelSender.objects.get(pk=unproven_sender.pk).domain_proven_by == DomainProof.NONE


# --- every email path ---------------------------------------------------------------------------


def test_pipeline_emails_of_an_unproven_sender_come_from_the_service(
    application, unproven_sender, smtp_server
):
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    for type in ("CREATE", "CANCEL"):
        template_create(
            application=application, type=type, channel=Channel.EMAIL, locale="en_US",
            subject=f"{type}: {{{{title}}}}", text_body="Hi {{firstName}}",
        )  # fmt: skip
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=datetime(2030, 3, 5, 9, 0, tzinfo=UTC),
        duration=timedelta(minutes=30),
        timezone="Europe/Berlin",
        title="Mortgage advice",
        customer=CustomerDetails(first_name="Bobby", last_name="Ewing", email="bobby@example.com"),
    )
    appointment_id = appointment.pk
    create = Delivery.objects.get(appointment_id=appointment_id, type="CREATE", channel=Channel.EMAIL)
    delivery_send(delivery_id=create.pk)
    appointment_delete(appointment=appointment)
    cancel = Delivery.objects.get(appointment_id=appointment_id, type="CANCEL", channel=Channel.EMAIL)
    delivery_send(delivery_id=cancel.pk)

    assert len(smtp_server.messages) == 2, [d.last_error for d in Delivery.objects.all()]
    for mail, type in zip(smtp_server.messages, ("CREATE", "CANCEL"), strict=True):
        assert mail.message["Subject"].startswith(type)
        assert mail.message["From"] == f"Acme Appointments <{SERVICE}>"
        assert mail.message["Reply-To"] == "it@acme.example"
        assert mail.message["X-Delivery-Id"]  # the delivery's own header is kept beside Reply-To


# --- the console ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("ops", "ops@example.com", "a-long-password-1")
    )
    return client


def _application_page(staff_client, application) -> str:
    return staff_client.get(f"/admin/tenants/application/{application.pk}/change/").content.decode()


def test_the_console_says_which_from_applies_and_why(staff_client, application, unproven_sender):
    body = _application_page(staff_client, application)
    assert f"not proven: sending from appointments.localhost as Acme Appointments &lt;{SERVICE}&gt;" in body
    assert "reply-to it@acme.example" in body
    assert f"appointments-verification={unproven_sender.dns_token}" in body  # what to publish
    assert "not proven" in staff_client.get(SENDERS).content.decode()

    ChannelSender.objects.filter(pk=unproven_sender.pk).update(domain_proven_by=DomainProof.DNS)
    assert "proven by DNS TXT" in _application_page(staff_client, application)
    assert "proven by DNS TXT" in staff_client.get(SENDERS).content.decode()

    ChannelSender.objects.filter(pk=unproven_sender.pk).update(domain_proven_by=DomainProof.ADDRESS)
    assert "domain proven by the code&#x27;s address (it@acme.example)" in _application_page(
        staff_client, application
    )


def test_a_pending_verification_shows_the_txt_record_to_publish(
    staff_client, admin_client, application, smtp_server
):
    verification = _verify(admin_client, application)

    body = _application_page(staff_client, application)

    assert f"appointments-verification={verification.dns_token}" in body


def test_the_recheck_dns_action(staff_client, unproven_sender, dns_txt):
    dns_txt[DOMAIN] = [f"appointments-verification={unproven_sender.dns_token}"]

    response = staff_client.post(
        SENDERS, {"action": "recheck_dns", "_selected_action": [str(unproven_sender.pk)]}, follow=True
    )

    assert response.status_code == 200
    assert ChannelSender.objects.get(pk=unproven_sender.pk).domain_proven_by == DomainProof.DNS
    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith(f"{DOMAIN}: domain proven by DNS TXT")


def test_the_recheck_dns_action_reports_dns_failures(staff_client, unproven_sender, monkeypatch):
    _dns_fails(monkeypatch, "timed out")

    response = staff_client.post(
        SENDERS, {"action": "recheck_dns", "_selected_action": [str(unproven_sender.pk)]}, follow=True
    )

    [message] = [str(message) for message in response.context["messages"]]
    assert message == f"{DOMAIN}: timed out; nothing changed"
    assert ChannelSender.objects.get(pk=unproven_sender.pk).domain_proven_by == DomainProof.NONE


# --- the demo --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_sender_is_proven_by_dns(settings):
    settings.DEBUG = True
    call_command("demo", "--base-url", "http://127.0.0.1:8123", stdout=StringIO())

    sender = ChannelSender.objects.get(application=Application.objects.get(), channel=Channel.EMAIL)
    assert (sender.domain, sender.domain_proven_by) == ("demo.localhost", DomainProof.DNS)
    assert sender.dns_token
    from_header = sender.email_headers(application_name="Demo").from_header
    assert from_header == "Demo Appointments <no-reply@demo.localhost>"
