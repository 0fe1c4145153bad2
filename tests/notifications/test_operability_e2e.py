"""End to end in one process: a booking, a customer's code, the dispatch tick, then /metrics and the logs.

The lead's pipeline wiring (docs/operations.md, "Metrics") moves the delivery counters;
the log test greps every line the run produced for the contacts and secrets it used.
"""

import base64
import re

import pytest
from rest_framework.test import APIClient

from notifications.models import Channel, Delivery, DeliveryStatus, NotificationType
from notifications.pipeline.tasks import dispatch_tick_task
from notifications.services import template_create
from tests.appointments.helpers import schedule_body
from tests.core.observability import json_logs, sample, scrape

pytestmark = pytest.mark.django_db

EMAIL, PHONE, NATIONAL = "bobby.ewing@example.com", "+306931221100", "6931221100"
FIRST, LAST = "Bobbington", "Ewingsworth"
OTP_EMAIL = "sue.ellen@example.org"


@pytest.fixture
def notifying(application, email_sender, sms_sender, smtp_server, twilio_fake):
    application.notifications_active = True
    application.default_region = "GR"
    application.save(update_fields=["notifications_active", "default_region"])
    for channel in (Channel.EMAIL, Channel.SMS):
        template_create(
            application=application,
            type=NotificationType.CREATE,
            channel=channel,
            locale="en_US",
            subject="Booked: {{title}}" if channel == Channel.EMAIL else "",
            text_body="Hi {{firstName}} {{lastName}}, {{title}} at {{HH:mm}}",
        )
    return application


@pytest.fixture
def eager_tasks():
    from config.celery import app

    # Under the CELERY namespace, celery 5.6 reads the prefixed name before the plain one.
    app.conf.update(task_always_eager=True, CELERY_TASK_ALWAYS_EAGER=True)
    yield
    app.conf.update(task_always_eager=False, CELERY_TASK_ALWAYS_EAGER=False)


def _run(application, make_token, smtp_server) -> dict:
    """Book for a customer, let another customer book with a code, dispatch; the secrets used."""
    token = make_token("ROLE_AGENT", user_id="agent-7")
    agent = APIClient()
    agent.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    customer = {
        "contact": {"primaryEmail": EMAIL, "primaryPhone": NATIONAL},
        "name": {"firstName": FIRST, "lastName": LAST},
    }
    booked = agent.post(
        "/api/appointments/",
        schedule_body(application, customer=customer),
        format="json",
        HTTP_X_REQUEST_ID="e2e-book",
    )
    assert booked.status_code == 200, booked.json()

    asked = APIClient().post(
        "/api/appointments/basic/otp",
        {"applicationId": str(application.pk), "email": OTP_EMAIL},
        format="json",
    )
    assert asked.status_code == 200, asked.json()
    code = re.search(r"\b(\d{6})\b", smtp_server.messages[-1].part("text/plain")).group(1)
    credential = base64.b64encode(f"{OTP_EMAIL}:{code}".encode()).decode()
    wrong = base64.b64encode(f"{OTP_EMAIL}:000000".encode()).decode()
    self_booked = APIClient().post(
        "/api/appointments/basic",
        schedule_body(application),
        format="json",
        HTTP_AUTHORIZATION=f"Basic {wrong}",
    )
    assert self_booked.status_code == 401
    self_booked = APIClient().post(
        "/api/appointments/basic",
        schedule_body(application),
        format="json",
        HTTP_AUTHORIZATION=f"Basic {credential}",
    )
    assert self_booked.status_code == 200, self_booked.json()

    summary = dispatch_tick_task()
    assert summary["claimed"] >= 2
    return {"token": token, "code": code, "credential": credential, "appointment": booked.json()["id"]}


def test_metrics_move_after_an_end_to_end_delivery(
    notifying, make_token, smtp_server, twilio_fake, eager_tasks
):
    before = scrape()

    used = _run(notifying, make_token, smtp_server)

    after = scrape()
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT)
    assert {(d.channel, d.type) for d in sent} >= {("EMAIL", "CREATE"), ("SMS", "CREATE")}

    def moved(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert (
        moved("appointments_http_requests_total", route="api/appointments/", method="POST", status="200") == 1
    )
    assert (
        moved("appointments_http_requests_total", route="api/appointments/basic", method="POST", status="401")
        == 1
    )
    assert moved("appointments_one_time_codes_sent_total", purpose="customer", channel="EMAIL") == 1
    for channel in ("EMAIL", "SMS"):
        rows = sent.filter(channel=channel, type="CREATE").count()
        assert moved("appointments_deliveries_total", channel=channel, type="CREATE", outcome="sent") == rows
        # One provider call per sent row; the code's email went through the same provider.
        assert moved("appointments_provider_call_seconds_count", channel=channel, outcome="ok") >= rows
    assert moved("appointments_dispatch_ticks_total") == 1
    assert sample(after, "appointments_beat_last_tick_age_seconds") < 60
    assert used["appointment"]


def test_the_logs_of_an_end_to_end_run_hold_ids_but_no_personal_data(
    notifying, make_token, smtp_server, twilio_fake, eager_tasks
):
    with json_logs() as logs:
        used = _run(notifying, make_token, smtp_server)

    lines = logs.lines()
    assert lines, "the run logged nothing"
    secrets = {
        EMAIL,
        PHONE,
        NATIONAL,
        FIRST,
        LAST,
        OTP_EMAIL,
        used["code"],
        used["token"],
        used["credential"],
        PHONE[1:],  # the number without its plus
    }
    # Not in what production writes, and not in what the code said before the formatter masked anything.
    for secret in secrets:
        assert secret not in logs.text, secret
        leaks = [raw for raw in logs.raw if secret in raw and not raw.startswith("mail.log:")]
        assert not leaks, (secret, leaks)
    booking = [line for line in lines if line.get("request_id") == "e2e-book"]
    assert booking and all(line["application_id"] == str(notifying.pk) for line in booking)
    assert all("request_id" in line for line in lines if line["logger"] == "core.http")
    # The pipeline's lines name the delivery, its appointment, channel and attempt.
    pipeline = [line for line in lines if "delivery_id" in line]
    assert pipeline, "no line of the pipeline names its delivery"
    for line in pipeline:
        assert {"appointment_id", "channel", "attempt"} <= set(line), line
