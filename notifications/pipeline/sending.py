"""Send one delivery: claim it by compare-and-set, build its message fresh, send, record the outcome.

Whoever calls `delivery_send` (a Celery task, the dispatch command, a test),
however many times and at once, the provider is called at most once per claim:
only the caller whose conditional UPDATE moves the row to SENDING goes on.
"""

import logging
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.errors import ServiceUnavailable
from notifications.backends.base import DeliveryError, SendResult, get_backend
from notifications.backends.sms import UNSUBSCRIBED
from notifications.models import OPEN_STATUSES, Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.feedback import sms_opt_out_record
from notifications.pipeline.messages import DeliveryCancelled, delivery_message
from notifications.pipeline.states import CANCELLED, FAILED, RETRIED, SENT, SKIPPED

logger = logging.getLogger(__name__)


def delivery_send(*, delivery_id: uuid.UUID | str) -> str:
    """Send the delivery if it is still open and due; return what happened (sent, retried, ...)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)
    taken = Delivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, due_at__lte=now).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, lease_expires_at=lease, updated_at=now
    )
    if not taken:
        return SKIPPED  # someone else has it, it was cancelled, or it is not due yet
    delivery = Delivery.objects.select_related("application", "template", "webhook_endpoint").get(
        pk=delivery_id
    )
    try:
        message = delivery_message(delivery)
        result = get_backend(delivery.channel).send(message)
    except DeliveryCancelled as cancel:
        return _record_cancelled(delivery, cancel.reason)
    except ServiceUnavailable as exc:  # the channel was switched off in settings
        return _record_cancelled(delivery, str(exc))
    except DeliveryError as exc:
        return _record_failure(delivery, exc)
    except Exception as exc:  # a bug or an outage on our side: retry rather than strand the row
        logger.exception("delivery %s could not be sent", delivery.pk)
        return _record_failure(delivery, DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False))
    return _record_sent(delivery, result)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: spreads a burst of failures instead of repeating it."""
    ceiling = min(
        settings.NOTIFICATIONS_RETRY_CAP_SECONDS,
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
    )
    return timedelta(seconds=max(1.0, random.uniform(0, ceiling)))


def _record_sent(delivery: Delivery, result: SendResult) -> str:
    now = timezone.now()
    # Unconditional: even if the reconciler gave up on this worker meanwhile, the message went out.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT,
        sent_at=now,
        provider_message_id=result.provider_id[:200],
        lease_expires_at=None,
        last_error="",
        updated_at=now,
    )
    return SENT


def _record_cancelled(delivery: Delivery, reason: str) -> str:
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.CANCELLED,
        cancel_reason=reason[:300],
        lease_expires_at=None,
        updated_at=timezone.now(),
    )
    return CANCELLED


def _record_failure(delivery: Delivery, error: DeliveryError) -> str:
    now = timezone.now()
    if delivery.channel == DeliveryChannel.SMS and str(error.code) == str(UNSUBSCRIBED):
        sms_opt_out_record(application=delivery.application, phone=delivery.recipient, reason=error.message)
    rows = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    if error.permanent or delivery.attempts >= delivery.max_attempts:
        rows.update(
            status=DeliveryStatus.FAILED, last_error=error.message, lease_expires_at=None, updated_at=now
        )
        logger.warning("delivery %s failed for good: %s", delivery.pk, error.message)
        return FAILED
    rows.update(
        status=DeliveryStatus.PENDING,
        due_at=now + retry_delay(delivery.attempts),
        last_error=error.message,
        lease_expires_at=None,
        updated_at=now,
    )
    return RETRIED
