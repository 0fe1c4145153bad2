"""The reconciler and the claim: expired leases, workers lost mid-send, rows split between sweepers."""

from datetime import timedelta

import pytest

from notifications.models import Delivery, DeliveryStatus
from notifications.pipeline.claim import deliveries_claim, deliveries_reconcile
from notifications.pipeline.sending import delivery_send
from notifications.pipeline.states import WORKER_LOST

pytestmark = pytest.mark.usefixtures("now")


def leased(delivery, status, *, expired: bool, now, attempts=1):
    lease = now - timedelta(seconds=1) if expired else now + timedelta(minutes=1)
    Delivery.objects.filter(pk=delivery.pk).update(status=status, lease_expires_at=lease, attempts=attempts)


def test_expired_claims_go_back_to_pending(templates, schedule, now):
    appointment = schedule()
    create, other = Delivery.objects.filter(appointment_id=appointment.pk, type="CREATE")
    leased(create, DeliveryStatus.CLAIMED, expired=True, now=now, attempts=0)
    leased(other, DeliveryStatus.CLAIMED, expired=False, now=now, attempts=0)

    assert deliveries_reconcile()["reopened"] == 1

    create.refresh_from_db(), other.refresh_from_db()
    assert create.status == DeliveryStatus.PENDING and create.lease_expires_at is None
    assert other.status == DeliveryStatus.CLAIMED


def test_email_and_sms_lost_mid_send_fail_rather_than_risk_a_duplicate(templates, schedule, now):
    appointment = schedule()
    for delivery in Delivery.objects.filter(appointment_id=appointment.pk, type="CREATE"):
        leased(delivery, DeliveryStatus.SENDING, expired=True, now=now)

    deliveries_reconcile()

    lost = Delivery.objects.filter(appointment_id=appointment.pk, type="CREATE")
    assert {(d.status, d.last_error) for d in lost} == {("FAILED", WORKER_LOST)}


def test_webhooks_lost_mid_send_are_sent_again_under_the_same_id(templates, schedule, hook_endpoint, now):
    appointment = schedule()
    hook = Delivery.objects.get(appointment_id=appointment.pk, type="CREATE", channel="WEBHOOK")
    leased(hook, DeliveryStatus.SENDING, expired=True, now=now)

    deliveries_reconcile()

    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.PENDING and hook.attempts == 1
    assert delivery_send(delivery_id=hook.pk) == "sent"


def test_a_lost_webhook_without_attempts_left_fails(templates, schedule, hook_endpoint, now):
    appointment = schedule()
    hook = Delivery.objects.get(appointment_id=appointment.pk, type="CREATE", channel="WEBHOOK")
    leased(hook, DeliveryStatus.SENDING, expired=True, now=now, attempts=hook.max_attempts)

    deliveries_reconcile()

    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.FAILED


def test_claims_take_only_due_pending_rows_and_never_the_same_row_twice(templates, schedule, now):
    appointment = schedule()
    due = set(
        Delivery.objects.filter(appointment_id=appointment.pk, type="CREATE").values_list("pk", flat=True)
    )

    first = deliveries_claim(limit=1)
    second = deliveries_claim(limit=10)
    third = deliveries_claim(limit=10)

    assert len(first) == 1 and set(first) | set(second) == due
    assert not set(first) & set(second) and third == []
    claimed = Delivery.objects.filter(pk__in=due)
    assert {d.status for d in claimed} == {"CLAIMED"}
    assert all(d.lease_expires_at > now for d in claimed)
