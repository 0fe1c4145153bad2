"""GET /api/notifications/deliveries/: the delivery log, paged, scoped to the token's application."""

import uuid

import pytest

from notifications.models import Delivery, DeliveryStatus
from notifications.pipeline.sending import delivery_send
from tests.notifications.pipeline.conftest import CUSTOMER_EMAIL

URL = "/api/notifications/deliveries/"
pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def booked(templates, schedule):
    return schedule()


@pytest.fixture
def supervisor(client_for):
    return client_for("ROLE_SUPERVISOR", user_id="sup-1")


def test_lists_every_delivery_with_its_state(booked, admin_client, now):
    Delivery.objects.filter(type="REMINDER", channel="EMAIL").update(
        status=DeliveryStatus.SENDING, attempts=1
    )

    response = admin_client.get(URL, {"sortField": "dueAt", "sortOrder": "asc"})

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 6 and body["pageCount"] == 1 and body["pageNumber"] == 1
    assert body["pageSize"] == 25 and body["sortField"] == "dueAt" and body["sortOrder"] == "asc"
    first = body["content"][0]
    assert first["appointmentId"] == str(booked.pk)
    assert first["type"] == "CREATE" and first["dueAt"] == "2030-03-04T09:00:00Z"
    sending = next(d for d in body["content"] if d["type"] == "REMINDER" and d["channel"] == "EMAIL")
    assert sending["status"] == "PENDING"  # SENDING is internal
    assert sending["recipient"] == CUSTOMER_EMAIL and sending["attempts"] == 1
    assert set(first) >= {"id", "channel", "status", "attempts", "lastError", "cancelReason", "sentAt"}


def test_filters(booked, supervisor):
    Delivery.objects.filter(type="CREATE", channel="SMS").update(status=DeliveryStatus.FAILED)

    failed = supervisor.get(URL, {"status": "FAILED"}).json()
    sms = supervisor.get(URL, {"channel": "SMS", "type": "REMINDER"}).json()
    by_appointment = supervisor.get(URL, {"appointmentId": f'"{booked.pk}"'}).json()
    none = supervisor.get(URL, {"appointmentId": str(uuid.uuid4())}).json()

    assert [(d["type"], d["channel"]) for d in failed["content"]] == [("CREATE", "SMS")]
    assert [(d["type"], d["channel"]) for d in sms["content"]] == [("REMINDER", "SMS")]
    assert by_appointment["total"] == 6
    assert none["total"] == 0 and none["content"] == [] and none["pageCount"] == 0


def test_pages(booked, admin_client):
    body = admin_client.get(URL, {"pageSize": 4, "pageNumber": 2}).json()
    assert body["total"] == 6 and body["pageCount"] == 2 and len(body["content"]) == 2


def test_bad_parameters_are_named(admin_client):
    response = admin_client.get(URL, {"status": "SENDING", "pageSize": 0})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "pageSize"}


@pytest.mark.parametrize("role", ["ROLE_AGENT", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"])
def test_other_roles_are_refused(client_for, role):
    assert client_for(role).get(URL).status_code == 403


def test_anonymous_is_refused(api_client):
    assert api_client.get(URL).status_code == 401


def test_another_applications_deliveries_are_invisible(booked, client_for, other_application):
    other_admin = client_for("ROLE_ADMIN", app=other_application)

    assert other_admin.get(URL).json()["total"] == 0
    assert other_admin.get(URL, {"appointmentId": str(booked.pk)}).json()["content"] == []


def test_constant_queries_whatever_the_page_size(
    booked, schedule, admin_client, django_assert_max_num_queries
):
    for _ in range(5):
        schedule()
    # The token's application, the count, the page.
    with django_assert_max_num_queries(3):
        body = admin_client.get(URL, {"pageSize": 100}).json()
    assert len(body["content"]) == 36


def test_an_email_fallback_names_the_sms_it_replaces(
    booked, admin_client, notifying, twilio_fake, django_assert_max_num_queries
):
    notifying.sms_fallback_to_email = True
    notifying.save(update_fields=["sms_fallback_to_email"])
    sms = Delivery.objects.get(appointment_id=booked.pk, type="CREATE", channel="SMS")
    Delivery.objects.filter(appointment_id=booked.pk, channel="EMAIL").update(status=DeliveryStatus.CANCELLED)
    twilio_fake.reply_with(400, code=21211, message="Invalid 'To' Phone Number")
    delivery_send(delivery_id=sms.pk)
    email = Delivery.objects.get(fallback_of=sms)

    with django_assert_max_num_queries(3):  # the link is a column of the row: no query per row
        body = admin_client.get(URL, {"pageSize": 100}).json()

    by_id = {row["id"]: row for row in body["content"]}
    assert by_id[str(email.pk)]["fallbackOf"] == str(sms.pk)
    assert by_id[str(email.pk)]["channel"] == "EMAIL" and by_id[str(email.pk)]["type"] == "CREATE"
    assert by_id[str(sms.pk)]["fallbackOf"] is None and by_id[str(sms.pk)]["status"] == "FAILED"


def test_webhook_events_beyond_notification_types_are_a_type_filter_too(booked, supervisor):
    Delivery.objects.filter(type="CREATE", channel="SMS").update(type="customer.waiting", channel="WEBHOOK")

    waiting = supervisor.get(URL, {"type": "customer.waiting"}).json()

    assert [(d["type"], d["channel"]) for d in waiting["content"]] == [("customer.waiting", "WEBHOOK")]
    assert supervisor.get(URL, {"type": "customer.gone"}).status_code == 400
