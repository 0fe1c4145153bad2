"""Send a batch of deliveries: each row by its own compare-and-set, one provider call each, outcomes recorded.

Per batch: the rows and what they need are read in a constant number of queries
(batch.py), and each channel's connection (SMTP, the Twilio and webhook
sessions) stays open for the whole batch. Per message, only what the guarantee
needs: the message is built from the appointment as it is now, then the row
moves to SENDING by compare-and-set, immediately before its provider call, and
the outcome is written before the next row's compare-and-set (in the same
transaction). So a row in SENDING is one whose provider call has started, a
worker killed mid-batch leaves at most one such row, and the rest stay CLAIMED
for the reconciler to hand out again.

Whoever calls this (a Celery task, the dispatch command, a test), however many
times and at once, the provider is called at most once per claim.
"""

import logging
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.db import retry_on_db_errors
from core.errors import ServiceUnavailable
from core.logs import log_context
from notifications.backends.base import BaseBackend, DeliveryError, SendResult, backend_batch
from notifications.backends.sms import UNSUBSCRIBED
from notifications.metrics import delivery_outcome_observe, provider_call_observe
from notifications.models import OPEN_STATUSES, Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.batch import SendBatch, batch_load
from notifications.pipeline.feedback import sms_opt_out_record, sms_undelivered_record
from notifications.pipeline.messages import DeliveryCancelled, delivery_message
from notifications.pipeline.rate_limits import rate_limiter
from notifications.pipeline.states import CANCELLED, FAILED, OPTED_OUT_REASON, RETRIED, SENT, SKIPPED

logger = logging.getLogger(__name__)

Write = Callable[[], None]
T = TypeVar("T")


def delivery_send(*, delivery_id: uuid.UUID | str) -> str:
    """Send one delivery if it is still open and due; what happened (sent, retried, skipped, ...)."""
    [(outcome, _)] = deliveries_send(delivery_ids=[delivery_id]).most_common(1)
    return outcome


def deliveries_send(
    *, delivery_ids: Iterable[uuid.UUID | str], claim_id: uuid.UUID | str | None = None
) -> Counter[str]:
    """Send the open, due rows among `delivery_ids`, oldest first; how many came to what.

    With `claim_id` (a tick's batch) only the rows still held by that claim: a batch that
    waited in the queue past its claim finds its rows taken again, and leaves them.
    """
    ids = list(delivery_ids)
    now = timezone.now()
    batch = _db(lambda: _claimed_batch(ids, now, claim_id), "reading a batch")
    outcomes: Counter[str] = Counter()
    if len(batch.deliveries) < len(ids):
        outcomes[SKIPPED] = len(ids) - len(batch.deliveries)  # sent, cancelled or taken by someone else
    ledger = _Ledger(ids, claim_id)
    with ExitStack() as open_backends:
        backends: dict[str, BaseBackend] = {}

        def backend_for(channel: str) -> BaseBackend:
            if channel not in backends:
                backends[channel] = open_backends.enter_context(backend_batch(channel))
            return backends[channel]

        for delivery in batch.deliveries:
            with log_context(
                delivery_id=str(delivery.pk),
                appointment_id=str(delivery.appointment_id),
                application_id=str(delivery.application_id),
                channel=delivery.channel,
                type=delivery.type,
                attempt=delivery.attempts + 1,
            ):
                outcome = _send_one(delivery, batch, ledger, backend_for)
                delivery_outcome_observe(channel=delivery.channel, type=delivery.type, outcome=outcome)
                logger.info("delivery %s", outcome)
            outcomes[outcome] += 1
            ledger.keep_claims()
        ledger.flush()
    return outcomes


def _send_one(
    delivery: Delivery, batch: SendBatch, ledger: "_Ledger", backend_for: Callable[[str], BaseBackend]
) -> str:
    try:
        message = delivery_message(delivery, batch)
        backend = backend_for(delivery.channel)
    except DeliveryCancelled as cancel:
        return ledger.cancel(delivery, cancel.reason)
    except ServiceUnavailable as exc:  # the channel was switched off in settings
        return ledger.cancel(delivery, str(exc))
    except Exception as exc:  # a bug or an outage on our side: retry rather than strand the row
        logger.exception("delivery %s could not be built", delivery.pk)
        if not ledger.take(delivery):
            return SKIPPED
        return ledger.failed(delivery, DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False))
    rate_limiter().wait(delivery.channel)  # while the row is still only CLAIMED
    if not ledger.take(delivery):
        return SKIPPED
    started = time.perf_counter()
    try:
        result = backend.send(message)
    except DeliveryError as exc:
        provider_call_observe(channel=delivery.channel, seconds=time.perf_counter() - started, ok=False)
        return ledger.failed(delivery, exc)
    except Exception as exc:
        provider_call_observe(channel=delivery.channel, seconds=time.perf_counter() - started, ok=False)
        logger.exception("delivery %s could not be sent", delivery.pk)
        return ledger.failed(delivery, DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False))
    provider_call_observe(channel=delivery.channel, seconds=time.perf_counter() - started)
    return ledger.sent(delivery, result)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: spreads a burst of failures instead of repeating it."""
    ceiling = min(
        settings.NOTIFICATIONS_RETRY_CAP_SECONDS,
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
    )
    return timedelta(seconds=max(1.0, random.uniform(0, ceiling)))


def _claimed_batch(ids: list[uuid.UUID | str], now: datetime, claim_id: uuid.UUID | str | None) -> SendBatch:
    _renew_claims(ids, now, claim_id)
    return batch_load(ids, now=now, claim_id=claim_id)


def _renew_claims(ids: list[uuid.UUID | str], now: datetime, claim_id: uuid.UUID | str | None) -> None:
    """Keep the rows this batch holds CLAIMED a claim lease longer, while it works through them."""
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)
    rows = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.CLAIMED)
    if claim_id is not None:
        rows = rows.filter(claim_id=claim_id)
    rows.update(lease_expires_at=lease)


def _db(work: Callable[[], T], what: str) -> T:
    return retry_on_db_errors(work, budget_seconds=settings.NOTIFICATIONS_DB_RETRY_SECONDS, what=what)


class _Ledger:
    """The batch's writes: each outcome is committed together with the next row's compare-and-set.

    An outcome is held in memory only while nothing else is sent, so a worker that dies
    loses at most the outcome of the one message it was sending. Writes that meet a lost
    database connection are retried (core.db), so a delivered message is not recorded as
    failed because PostgreSQL restarted at that moment.
    """

    def __init__(self, ids: list[uuid.UUID | str], claim_id: uuid.UUID | str | None):
        self._claim_id = claim_id
        self._held: Write | None = None
        self._cancelled: dict[str, list[uuid.UUID]] = defaultdict(list)
        # SMS to numbers that opted out: cancelled one by one, each announced as undelivered.
        self._opted_out: list[Delivery] = []
        self._waiting = list(ids)
        self._renewed_at = time.monotonic()

    def take(self, delivery: Delivery) -> bool:
        """Move the row to SENDING by compare-and-set, first writing the previous row's outcome."""
        held, self._held = self._held, None

        def write() -> bool:
            now = timezone.now()
            taken = Delivery.objects.filter(pk=delivery.pk, status__in=OPEN_STATUSES, due_at__lte=now).update(
                status=DeliveryStatus.SENDING,
                attempts=F("attempts") + 1,
                lease_expires_at=now + timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS),
                updated_at=now,
            )
            return bool(taken)

        def write_both() -> bool:
            if held is None:
                return write()
            with transaction.atomic():
                held()
                return write()

        taken = _db(write_both, f"taking delivery {delivery.pk}")
        if taken:
            delivery.attempts += 1
        return taken

    def sent(self, delivery: Delivery, result: SendResult) -> str:
        def write() -> None:
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

        self._held = write
        return SENT

    def failed(self, delivery: Delivery, error: DeliveryError) -> str:
        final = error.permanent or delivery.attempts >= delivery.max_attempts

        def write() -> None:
            now = timezone.now()
            if delivery.channel == DeliveryChannel.SMS and str(error.code) == str(UNSUBSCRIBED):
                sms_opt_out_record(
                    application=delivery.application, phone=delivery.recipient, reason=error.message
                )
            rows = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
            if final:
                failed = rows.update(
                    status=DeliveryStatus.FAILED,
                    last_error=error.message,
                    lease_expires_at=None,
                    updated_at=now,
                )
                if failed and delivery.channel == DeliveryChannel.SMS:
                    sms_undelivered_record(delivery=delivery)  # in this transaction: the email fallback
            else:
                rows.update(
                    status=DeliveryStatus.PENDING,
                    due_at=now + retry_delay(delivery.attempts),
                    last_error=error.message,
                    lease_expires_at=None,
                    updated_at=now,
                )

        if final:
            logger.warning("delivery %s failed for good: %s", delivery.pk, error.message)
        self._held = write
        return FAILED if final else RETRIED

    def cancel(self, delivery: Delivery, reason: str) -> str:
        """Cancelled rows were never offered: they are written together, at the end of the batch."""
        if reason == OPTED_OUT_REASON:
            self._opted_out.append(delivery)
        else:
            self._cancelled[reason[:300]].append(delivery.pk)
        return CANCELLED

    def keep_claims(self) -> None:
        """Renew the claim of the rows still waiting in a batch that takes long (slow providers)."""
        if time.monotonic() - self._renewed_at < settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS / 3:
            return
        self._renewed_at = time.monotonic()
        _db(lambda: _renew_claims(self._waiting, timezone.now(), self._claim_id), "renewing claims")

    def flush(self) -> None:
        held, self._held = self._held, None
        cancelled, self._cancelled = self._cancelled, defaultdict(list)
        opted_out, self._opted_out = self._opted_out, []

        def write() -> None:
            with transaction.atomic():
                if held is not None:
                    held()
                now = timezone.now()
                for reason, ids in cancelled.items():
                    _cancel_open(ids, reason, now)
                for delivery in opted_out:
                    if _cancel_open([delivery.pk], OPTED_OUT_REASON, now):
                        sms_undelivered_record(delivery=delivery)

        if held is not None or cancelled or opted_out:
            _db(write, "recording the batch's outcomes")


def _cancel_open(ids: list[uuid.UUID], reason: str, now: datetime) -> int:
    return Delivery.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).update(
        status=DeliveryStatus.CANCELLED,
        cancel_reason=reason,
        lease_expires_at=None,
        updated_at=now,
    )
