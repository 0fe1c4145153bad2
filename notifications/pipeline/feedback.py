"""What providers and recipients tell us after a send: Twilio's status callbacks, STOP and START.

Twilio reports an SMS's fate later (delivered, undelivered, failed) and answers
error 21610 for a number that replied STOP; an opted-out number gets no SMS
until it opts back in.

An SMS that did not reach its recipient is announced on SMS_UNDELIVERED, in the
transaction that records it, for the email fallback (fallback.py) to act on.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.events import Event
from notifications.backends.sms import UNSUBSCRIBED
from notifications.models import Delivery, DeliveryChannel, SmsOptOut
from tenants.models import Application

FINAL_PROVIDER_STATUSES = frozenset({"delivered", "undelivered", "failed"})
UNDELIVERED_PROVIDER_STATUSES = frozenset({"undelivered", "failed"})


@dataclass(frozen=True)
class SmsUndelivered:
    """An SMS row that did not reach its recipient: FAILED, opted out, or reported undelivered."""

    delivery: Delivery  # with its application loaded


# Published inside the transaction that records the outcome; may be published again for the same row.
SMS_UNDELIVERED: Event[SmsUndelivered] = Event("notifications.sms_undelivered")


def sms_undelivered_record(*, delivery: Delivery) -> None:
    """Announce that an SMS row did not reach its recipient; call in the transaction recording that."""
    SMS_UNDELIVERED.publish(SmsUndelivered(delivery=delivery))


@transaction.atomic
def delivery_provider_status_record(*, provider_message_id: str, status: str, error_code: str = "") -> bool:
    """Record Twilio's status callback for an SMS we sent; False when no delivery has that id."""
    delivery = (
        Delivery.objects.select_related("application")
        .filter(provider_message_id=provider_message_id, channel=DeliveryChannel.SMS)
        .first()
    )
    if delivery is None:
        return False
    status = (status or "").lower()[:32]
    if delivery.provider_status in FINAL_PROVIDER_STATUSES and status not in FINAL_PROVIDER_STATUSES:
        return True  # callbacks may arrive out of order: a late "sent" does not undo "delivered"
    changes: dict[str, object] = {"provider_status": status, "updated_at": timezone.now()}
    if status in UNDELIVERED_PROVIDER_STATUSES:
        changes["last_error"] = f"Twilio reported the SMS {status}" + (
            f" (error {error_code})" if error_code else ""
        )
    if str(error_code) == str(UNSUBSCRIBED):
        sms_opt_out_record(
            application=delivery.application, phone=delivery.recipient, reason="STOP reported by Twilio"
        )
    Delivery.objects.filter(pk=delivery.pk).update(**changes)
    # A message Twilio once reported delivered reached the person, whatever came after.
    if status in UNDELIVERED_PROVIDER_STATUSES and delivery.provider_status != "delivered":
        sms_undelivered_record(delivery=delivery)
    return True


def sms_opt_out_record(*, application: Application, phone: str, reason: str = "") -> SmsOptOut:
    opt_out, _ = SmsOptOut.objects.get_or_create(
        application=application, phone=phone, defaults={"reason": reason[:300]}
    )
    return opt_out


def sms_opt_in(*, application: Application, phone: str) -> bool:
    """The number opted back in (it answered START): SMS to it are sent again. True if it was opted out."""
    deleted, _ = SmsOptOut.objects.filter(application=application, phone=phone).delete()
    return bool(deleted)
