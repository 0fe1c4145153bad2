"""The outbox: which deliveries an appointment change queues, written in that change's transaction.

`deliveries_plan` is called by appointments.changes.appointment_changed, inside
the transaction of every appointment and participant service. Rows due now are
handed to a worker once the transaction commits; the rest wait for the dispatch
tick. Nothing here talks to a provider.
"""

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict
from notifications import composition
from notifications.backends.webhook import encode_body
from notifications.models import (
    OPEN_STATUSES,
    TIMED_TYPES,
    ChannelSender,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    NotificationTemplate,
    NotificationType,
    WebhookEndpoint,
)
from notifications.selectors import templates_for_appointment

logger = logging.getLogger(__name__)

LATE_REASON = "reminder time passed after the appointment started"
RESCHEDULED_REASON = "the appointment was rescheduled"
DELETED_REASON = "the appointment was deleted"
ENDED_REASON = "the appointment ended"
SUPERSEDED_REASON = "superseded by a later change"
REMOVED_REASON = "the recipient no longer takes part"

# The appointment change (appointments.changes.AppointmentChange) -> the notification it sends.
_TYPE_OF_CHANGE = {
    "CREATED": NotificationType.CREATE,
    "UPDATED": NotificationType.UPDATE,
    "RESCHEDULED": NotificationType.UPDATE,
    "REASSIGNED": NotificationType.UPDATE,
    "PARTICIPANT_ADDED": NotificationType.UPDATE,
    "PARTICIPANT_REMOVED": NotificationType.UPDATE,
}
_PERSON_CHANNELS = (DeliveryChannel.EMAIL, DeliveryChannel.SMS)


def deliveries_plan(*, appointment, change, participant=None) -> list[Delivery]:
    """Queue (and cancel) the deliveries an appointment change calls for; call inside its transaction."""
    change = str(getattr(change, "value", change))
    if change == "DELETED":
        return _plan_deleted(appointment)
    if change == "RESCHEDULED":
        deliveries_cancel(appointment_id=appointment.pk, types=TIMED_TYPES, reason=RESCHEDULED_REASON)
    elif change == "ENDED":
        deliveries_cancel(appointment_id=appointment.pk, types=TIMED_TYPES, reason=ENDED_REASON)
    elif change == "PARTICIPANT_REMOVED" and participant is not None:
        deliveries_cancel(
            appointment_id=appointment.pk, participant_id=participant.participant_id, reason=REMOVED_REASON
        )
    notification_type = _TYPE_OF_CHANGE.get(change)
    if notification_type is None or not notifications_on(appointment):
        return []
    if notification_type == NotificationType.UPDATE:
        # The newest UPDATE renders the appointment as it is then; older ones add nothing.
        deliveries_cancel(
            appointment_id=appointment.pk, types=[NotificationType.UPDATE], reason=SUPERSEDED_REASON
        )
    removed = participant.pk if change == "PARTICIPANT_REMOVED" and participant is not None else None
    planner = _Planner(appointment, exclude_participant=removed)
    rows = planner.immediate(notification_type)
    if change in ("CREATED", "RESCHEDULED"):
        rows += planner.timed()
    elif change == "PARTICIPANT_ADDED" and participant is not None:
        # A customer who joins later still gets the reminders and the room link.
        rows += planner.timed(only_participant=participant.participant_id, webhooks=False)
    return _save(rows)


def notifications_on(appointment) -> bool:
    return bool(appointment.notifications_active and appointment.application.notifications_active)


def deliveries_cancel(*, appointment_id, reason: str, types=None, participant_id: str | None = None) -> int:
    """Cancel the rows of an appointment that no worker has started to send."""
    rows = Delivery.objects.filter(appointment_id=appointment_id, status__in=OPEN_STATUSES)
    if types is not None:
        rows = rows.filter(type__in=list(types))
    if participant_id is not None:
        rows = rows.filter(participant_id=participant_id)
    return rows.update(
        status=DeliveryStatus.CANCELLED,
        cancel_reason=reason,
        lease_expires_at=None,
        updated_at=timezone.now(),
    )


def deliveries_enqueue(delivery_ids) -> None:
    """Hand rows to the workers now; a lost message is harmless, the next tick claims the row."""
    from notifications.tasks import delivery_send_task  # tasks import the sending side, which imports us

    for delivery_id in delivery_ids:
        try:
            delivery_send_task.delay(str(delivery_id))
        except Exception:  # the broker is down: the dispatch tick will find the row
            logger.warning(
                "could not enqueue delivery %s; the dispatch tick will", delivery_id, exc_info=True
            )
            return


def _save(rows: list[Delivery]) -> list[Delivery]:
    if not rows:
        return rows
    Delivery.objects.bulk_create(rows)
    now = timezone.now()
    due = [row.pk for row in rows if row.status == DeliveryStatus.PENDING and row.due_at <= now]
    if due:
        transaction.on_commit(lambda: deliveries_enqueue(due))
    return rows


@dataclass(frozen=True)
class _Recipient:
    participant_id: str
    address: str
    participant: object


class _Planner:
    """Builds the rows of one appointment; reads senders, customers and endpoints once."""

    def __init__(self, appointment, *, exclude_participant=None):
        from participants.models import Participant, ParticipantType

        self.appointment = appointment
        self.now = timezone.now()
        self.channels = set(
            ChannelSender.objects.filter(application_id=appointment.application_id).values_list(
                "channel", flat=True
            )
        )
        customers = Participant.objects.filter(appointment_id=appointment.pk, type=ParticipantType.CUSTOMER)
        if exclude_participant is not None:
            customers = customers.exclude(pk=exclude_participant)
        self.customers = list(customers.order_by("created_at", "id"))
        self.endpoints = list(
            WebhookEndpoint.objects.filter(application_id=appointment.application_id, active=True)
        )

    def recipients(self, channel: str, only_participant: str | None = None) -> list[_Recipient]:
        found = []
        for customer in self.customers:
            address = customer.email if channel == DeliveryChannel.EMAIL else customer.phone
            if address and only_participant in (None, customer.participant_id):
                found.append(_Recipient(customer.participant_id, address, customer))
        return found

    def row(self, *, type: str, channel: str, recipient: str, due_at, **fields) -> Delivery:
        return Delivery(
            application_id=self.appointment.application_id,
            appointment_id=self.appointment.pk,
            type=type,
            channel=channel,
            recipient=recipient,
            due_at=due_at,
            max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
            appointment_version=self.appointment.version,
            **fields,
        )

    def templated(self, type: str):
        """(channel, template, recipient) for every verified channel, chosen template and customer."""
        for channel in _PERSON_CHANNELS:
            if channel not in self.channels:
                continue
            for template in templates_for_appointment(
                appointment=self.appointment, type=type, channel=channel
            ):
                yield channel, template

    def immediate(self, type: str) -> list[Delivery]:
        rows = []
        for channel, template in self.templated(type):
            for recipient in self.recipients(channel):
                rows.append(self._person_row(type, channel, template, recipient, self.now))
        for endpoint in self.endpoints_for(type):
            rows.append(
                self.row(
                    type=type,
                    channel=DeliveryChannel.WEBHOOK,
                    recipient=endpoint.url,
                    webhook_endpoint=endpoint,
                    due_at=self.now,
                )
            )
        return rows

    def timed(self, *, only_participant: str | None = None, webhooks: bool = True) -> list[Delivery]:
        rows = []
        for type in TIMED_TYPES:
            for channel, template in self.templated(type):
                due = self.appointment.start - template.period
                for recipient in self.recipients(channel, only_participant):
                    rows.append(self._late_checked(self._person_row(type, channel, template, recipient, due)))
            if webhooks:
                rows += self._timed_webhooks(type)
        return rows

    def endpoints_for(self, type: str) -> list[WebhookEndpoint]:
        return [endpoint for endpoint in self.endpoints if type in endpoint.events]

    def _person_row(self, type, channel, template, recipient: _Recipient, due_at) -> Delivery:
        return self.row(
            type=type,
            channel=channel,
            recipient=recipient.address,
            participant_id=recipient.participant_id,
            template=template,
            locale=template.locale,
            due_at=due_at,
        )

    def _timed_webhooks(self, type: str) -> list[Delivery]:
        endpoints = self.endpoints_for(type)
        if not endpoints:
            return []
        # Webhooks have no template of their own: they fire at the periods the application's templates use.
        periods = sorted(
            set(
                NotificationTemplate.objects.filter(
                    application_id=self.appointment.application_id, type=type, active=True
                ).values_list("period", flat=True)
            )
        )
        return [
            self._late_checked(
                self.row(
                    type=type,
                    channel=DeliveryChannel.WEBHOOK,
                    recipient=endpoint.url,
                    webhook_endpoint=endpoint,
                    due_at=self.appointment.start - period,
                )
            )
            for period in periods
            for endpoint in endpoints
        ]

    def _late_checked(self, row: Delivery) -> Delivery:
        """A row whose time has passed goes out now, unless the appointment has already started."""
        if row.due_at >= self.now:
            return row
        if self.now < self.appointment.start:
            row.due_at = self.now
        else:
            row.status = DeliveryStatus.CANCELLED
            row.cancel_reason = LATE_REASON
        return row


# --- delete: CANCEL from a snapshot ------------------------------------------------------


def _plan_deleted(appointment) -> list[Delivery]:
    deliveries_cancel(appointment_id=appointment.pk, reason=DELETED_REASON)
    if not notifications_on(appointment):
        return []
    planner = _Planner(appointment)
    rows = []
    event = None
    for channel, template in planner.templated(NotificationType.CANCEL):
        for recipient in planner.recipients(channel):
            row = planner._person_row(NotificationType.CANCEL, channel, template, recipient, planner.now)
            if channel == DeliveryChannel.EMAIL:
                event = event or _calendar_event(appointment)
                row.snapshot = _email_snapshot(template, appointment, recipient, event)
            else:
                row.snapshot = _sms_snapshot(template, appointment, recipient)
            rows.append(row)
    endpoints = planner.endpoints_for(NotificationType.CANCEL)
    if endpoints:
        payload = appointment_payload(appointment)
        for endpoint in endpoints:
            row = planner.row(
                type=NotificationType.CANCEL,
                channel=DeliveryChannel.WEBHOOK,
                recipient=endpoint.url,
                webhook_endpoint=endpoint,
                due_at=planner.now,
            )
            row.snapshot = {"payload": payload, "headers": _headers(appointment)}
            rows.append(row)
    return _save(rows)


def appointment_payload(appointment) -> dict:
    """The appointment as the appointments API shows it, as plain JSON values."""
    from appointments.serializers import GetAppointmentResponseSerializer

    return json.loads(encode_body(GetAppointmentResponseSerializer(appointment).data))


def _headers(appointment) -> dict:
    headers = appointment.notification_headers
    return dict(headers) if isinstance(headers, dict) else {}


def _calendar_event(appointment) -> dict:
    from calendars.ics import CalendarEvent

    return CalendarEvent.from_appointment(appointment).to_dict()


def _email_snapshot(template, appointment, recipient: _Recipient, event: dict) -> dict:
    message = composition.email_compose(
        template=template, appointment=appointment, recipient=recipient.participant
    )
    return {
        "to": message.to,
        "subject": message.subject,
        "text_body": message.text_body,
        "html_body": message.html_body,
        "event": json.loads(encode_body(event)),
    }


def _sms_snapshot(template, appointment, recipient: _Recipient) -> dict:
    message = composition.sms_compose(
        template=template, appointment=appointment, recipient=recipient.participant
    )
    return {"to": message.to, "body": message.body}


# --- resend: fresh rows for past notifications ------------------------------------------------


@dataclass(frozen=True)
class ResendSummary:
    matched: int
    queued: int
    skipped: int  # the appointment is gone (only a CANCEL can be sent without it)


def notifications_resend(
    *,
    application=None,
    appointment_ids=(),
    type: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since=None,
    until=None,
    dry_run: bool = False,
    progress=None,
) -> ResendSummary:
    """Queue fresh deliveries (new ids, due now) of the matching ones; the matched rows stay as they are.

    `status` is the public one: PENDING also matches rows being claimed or sent.
    `since`/`until` bound the due time. `progress(n)` is called as rows are handled.
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
    if dry_run:
        count = matching.count()
        return ResendSummary(matched=count, queued=0, skipped=0)
    return deliveries_resend(deliveries=matching, progress=progress)


def deliveries_matching(
    *, application=None, appointment_ids=(), type=None, channel=None, status=None, since=None, until=None
):
    rows = Delivery.objects.all()
    if application is not None:
        rows = rows.filter(application=application)
    if appointment_ids:
        rows = rows.filter(appointment_id__in=list(appointment_ids))
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


def internal_statuses(public_status: str) -> list[str]:
    if public_status == DeliveryStatus.PENDING:
        return [DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]
    return [public_status]


def deliveries_retry(*, deliveries) -> ResendSummary:
    """Queue the FAILED ones among `deliveries` again, as fresh rows (the admin's "retry failed")."""
    failed = [d for d in deliveries if d.status == DeliveryStatus.FAILED]
    return deliveries_resend(deliveries=failed)


@transaction.atomic
def deliveries_resend(*, deliveries, progress=None) -> ResendSummary:
    """One fresh row per given delivery, due now, for the appointment as it is now."""
    from appointments.models import Appointment

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
    _save(fresh)
    return ResendSummary(matched=len(deliveries), queued=len(fresh), skipped=skipped)


def _copy(delivery: Delivery, *, due_at, version: int) -> Delivery:
    return Delivery(
        application_id=delivery.application_id,
        appointment_id=delivery.appointment_id,
        type=delivery.type,
        channel=delivery.channel,
        template_id=delivery.template_id,
        webhook_endpoint_id=delivery.webhook_endpoint_id,
        recipient=delivery.recipient,
        participant_id=delivery.participant_id,
        locale=delivery.locale,
        due_at=due_at,
        max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        appointment_version=version,
        snapshot=delivery.snapshot,
    )


def deliveries_latest(*, appointment, type: str) -> list[Delivery]:
    """The newest delivery of `type` per recipient, channel and template of the appointment.

    An appointment rescheduled twice has two UPDATE rows per recipient; sending
    both again would deliver the same message twice, so only the newest of each
    goes out again. REMINDER and ROOM rows of different templates (periods) stay apart.
    """
    rows = deliveries_matching(
        application=appointment.application, appointment_ids=[appointment.pk], type=type
    )
    newest: dict[tuple, Delivery] = {}
    for row in rows.order_by("appointment_version", "created_at", "id"):
        key = (row.channel, row.participant_id, row.recipient, row.webhook_endpoint_id, row.template_id)
        newest[key] = row
    return list(newest.values())


def appointment_notifications_resend(*, appointment, type: str) -> int:
    """Queue the newest delivery of `type` per recipient again; returns how many were queued."""
    latest = deliveries_latest(appointment=appointment, type=type)
    if not latest:
        raise Conflict(f"no {type} notification was ever queued for it: there is nothing to send again")
    return deliveries_resend(deliveries=latest).queued
