"""Sending past notifications again: fresh rows (new ids, due now); the rows they copy stay as they were.

Called by the resend_notifications command, the admin's "retry failed" and
"resend notifications" actions alike.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from appointments.models import Appointment
from core.errors import Conflict
from notifications.models import Delivery, DeliveryStatus, NotificationType, internal_statuses
from notifications.pipeline.outbox import deliveries_save
from notifications.pipeline.states import OUTCOME_UNKNOWN_ERRORS
from tenants.models import Application


@dataclass(frozen=True)
class ResendSummary:
    matched: int
    queued: int
    skipped: int  # the appointment is gone (only a CANCEL can be sent without it)
    # Failed while their provider call was under way: they may have arrived, so not sent again.
    held_back: int = 0


def notifications_resend(
    *,
    application: Application | None = None,
    appointment_ids: Iterable[uuid.UUID | str] = (),
    type: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
    include_outcome_unknown: bool = False,
    progress: Callable[[int], object] | None = None,
) -> ResendSummary:
    """Queue fresh deliveries (new ids, due now) of the matching ones; the matched rows stay as they are.

    `status` is the public one: PENDING also matches rows being claimed or sent.
    `since`/`until` bound the due time. `progress(n)` is called as rows are handled.
    Rows whose worker was lost during the provider call (OUTCOME_UNKNOWN_ERRORS) may
    have been delivered: they are held back unless `include_outcome_unknown`.
    """
    matching = deliveries_matching(
        application=application,
        appointment_ids=appointment_ids,
        type=type,
        channel=channel,
        status=status,
        since=since,
        until=until,
    )
    held_back = 0
    if not include_outcome_unknown:
        unknown = matching.filter(status=DeliveryStatus.FAILED, last_error__in=OUTCOME_UNKNOWN_ERRORS)
        held_back = unknown.count()
        matching = matching.exclude(pk__in=unknown.values("pk"))
    if dry_run:
        return ResendSummary(matched=matching.count() + held_back, queued=0, skipped=0, held_back=held_back)
    summary = deliveries_resend(deliveries=matching, progress=progress)
    return replace(summary, matched=summary.matched + held_back, held_back=held_back)


def deliveries_matching(
    *,
    application: Application | None = None,
    appointment_ids: Iterable[uuid.UUID | str] = (),
    type: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Delivery]:
    """Deliveries matching every filter given, oldest due first."""
    rows = Delivery.objects.all()
    if application is not None:
        rows = rows.filter(application=application)
    appointment_ids = list(appointment_ids)
    if appointment_ids:
        rows = rows.filter(appointment_id__in=appointment_ids)
    if type:
        rows = rows.filter(type=type)
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(status__in=internal_statuses(status))
    if since is not None:
        rows = rows.filter(due_at__gte=since)
    if until is not None:
        rows = rows.filter(due_at__lt=until)
    return rows.order_by("due_at", "id")


def deliveries_retry(*, deliveries: Iterable[Delivery]) -> ResendSummary:
    """Queue the FAILED ones among `deliveries` again, as fresh rows (the admin's "retry failed")."""
    failed = [delivery for delivery in deliveries if delivery.status == DeliveryStatus.FAILED]
    return deliveries_resend(deliveries=failed)


@transaction.atomic
def deliveries_resend(
    *, deliveries: Iterable[Delivery], progress: Callable[[int], object] | None = None
) -> ResendSummary:
    """One fresh row per given delivery, due now, for the appointment as it is now."""
    deliveries = list(deliveries)
    versions = dict(
        Appointment.objects.filter(pk__in={d.appointment_id for d in deliveries}).values_list("pk", "version")
    )
    now = timezone.now()
    fresh, skipped = [], 0
    for delivery in deliveries:
        version = versions.get(delivery.appointment_id)
        if version is None and delivery.type != NotificationType.CANCEL:
            skipped += 1
        else:
            fresh.append(_copy(delivery, due_at=now, version=version or delivery.appointment_version))
        if progress is not None:
            progress(1)
    deliveries_save(fresh)
    return ResendSummary(matched=len(deliveries), queued=len(fresh), skipped=skipped)


def _copy(delivery: Delivery, *, due_at: datetime, version: int) -> Delivery:
    return Delivery(
        application_id=delivery.application_id,
        appointment_id=delivery.appointment_id,
        type=delivery.type,
        channel=delivery.channel,
        template_id=delivery.template_id,
        webhook_endpoint_id=delivery.webhook_endpoint_id,
        recipient=delivery.recipient,
        participant_id=delivery.participant_id,
        participant_ids=list(delivery.participant_ids),
        locale=delivery.locale,
        due_at=due_at,
        max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        appointment_version=version,
        snapshot=delivery.snapshot,
    )


def deliveries_latest(*, appointment: Appointment, type: str) -> list[Delivery]:
    """The newest delivery of `type` per recipient, channel and template of the appointment.

    An appointment rescheduled twice has two UPDATE rows per recipient; sending
    both again would deliver the same message twice, so only the newest of each
    goes out again. REMINDER and ROOM rows of different templates (periods) stay apart.
    """
    rows = deliveries_matching(
        application=appointment.application, appointment_ids=[appointment.pk], type=type
    )
    newest: dict[tuple[object, ...], Delivery] = {}
    for row in rows.order_by("appointment_version", "created_at", "id"):
        key = (row.channel, row.participant_id, row.recipient, row.webhook_endpoint_id, row.template_id)
        newest[key] = row
    return list(newest.values())


def appointment_notifications_resend(*, appointment: Appointment, type: str) -> int:
    """Queue the newest delivery of `type` per recipient again; returns how many were queued."""
    latest = deliveries_latest(appointment=appointment, type=type)
    if not latest:
        raise Conflict(f"no {type} notification was ever queued for it: there is nothing to send again")
    return deliveries_resend(deliveries=latest).queued
