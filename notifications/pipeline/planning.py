"""Planning: which deliveries an appointment change queues, written in that change's transaction.

`deliveries_plan_for_change` is subscribed to appointments' APPOINTMENT_CHANGED
event (NotificationsConfig.ready), which every appointment and participant
service publishes inside its transaction. Nothing here talks to a provider.

Customers who share an address (a couple booked with one email, a family phone)
get one message per event: rows are planned per address, and each row lists the
participants it serves (`Delivery.participant_ids`), the first of whom it is
rendered for.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.utils import timezone

from appointments.changes import AppointmentChange, AppointmentChanged
from appointments.models import Appointment
from notifications.models import (
    OPEN_STATUSES,
    TIMED_TYPES,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    NotificationTemplate,
    NotificationType,
    WebhookEndpoint,
)
from notifications.pipeline import snapshots
from notifications.pipeline.outbox import deliveries_cancel, deliveries_save
from notifications.pipeline.policy import PlanningPolicy, policy_load
from notifications.pipeline.quiet_hours import QuietHours, quiet_hold, recipient_zone
from notifications.pipeline.states import (
    DELETED_REASON,
    ENDED_REASON,
    LATE_REASON,
    REMOVED_REASON,
    RESCHEDULED_REASON,
    SUPERSEDED_REASON,
    notifications_on,
)
from participants.models import Participant, ParticipantType
from tenants.application_settings import quiet_hours

# The appointment change -> the notification it sends.
_TYPE_OF_CHANGE = {
    AppointmentChange.CREATED: NotificationType.CREATE,
    AppointmentChange.UPDATED: NotificationType.UPDATE,
    AppointmentChange.RESCHEDULED: NotificationType.UPDATE,
    AppointmentChange.REASSIGNED: NotificationType.UPDATE,
    AppointmentChange.PARTICIPANT_ADDED: NotificationType.UPDATE,
    AppointmentChange.PARTICIPANT_REMOVED: NotificationType.UPDATE,
}
# Timed rows still due are cancelled by these changes, for this reason.
_CANCELS_TIMED = {
    AppointmentChange.RESCHEDULED: RESCHEDULED_REASON,
    AppointmentChange.ENDED: ENDED_REASON,
}
_PERSON_CHANNELS = (DeliveryChannel.EMAIL, DeliveryChannel.SMS)


def deliveries_plan_for_change(event: AppointmentChanged) -> None:
    """The APPOINTMENT_CHANGED handler: plan the change's deliveries in its transaction."""
    deliveries_plan(appointment=event.appointment, change=event.change, participant=event.participant)


def deliveries_plan(
    *, appointment: Appointment, change: str, participant: Participant | None = None
) -> list[Delivery]:
    """Queue (and cancel) the deliveries an appointment change calls for; call inside its transaction."""
    change = AppointmentChange(change)
    if change == AppointmentChange.DELETED:
        return _plan_deleted(appointment)
    if change in _CANCELS_TIMED:
        deliveries_cancel(appointment_id=appointment.pk, types=TIMED_TYPES, reason=_CANCELS_TIMED[change])
    removed = participant if change == AppointmentChange.PARTICIPANT_REMOVED else None
    if removed is not None:
        _release_participant(appointment, removed.participant_id)
    notification_type = _TYPE_OF_CHANGE.get(change)
    if notification_type is None or not notifications_on(appointment):
        return []
    if notification_type == NotificationType.UPDATE:
        # The newest UPDATE renders the appointment as it is then; older ones add nothing.
        deliveries_cancel(
            appointment_id=appointment.pk, types=[NotificationType.UPDATE], reason=SUPERSEDED_REASON
        )
    planner = _Planner.load(appointment, exclude_participant=removed.pk if removed is not None else None)
    rows = planner.immediate(notification_type)
    if change in (AppointmentChange.CREATED, AppointmentChange.RESCHEDULED):
        rows += planner.timed()
    elif change == AppointmentChange.PARTICIPANT_ADDED and participant is not None:
        # A customer who joins later still gets the reminders and the room link: their own,
        # or, at an address already served, the rows that go there.
        rows += planner.timed(only_participant=participant.participant_id, webhooks=False)
        _join_served_rows(planner, participant.participant_id)
    return deliveries_save(rows)


def _release_participant(appointment: Appointment, participant_id: str) -> None:
    """A removed participant's pending rows: cancelled, unless they also serve someone still there."""
    now = timezone.now()
    for row in _open_person_rows(appointment):
        served = _served(row)
        if participant_id in served and len(served) > 1:
            remaining = [served_id for served_id in served if served_id != participant_id]
            _serve(row, remaining, now=now)
    # What is left naming the participant first serves nobody else.
    deliveries_cancel(appointment_id=appointment.pk, participant_id=participant_id, reason=REMOVED_REASON)


def _join_served_rows(planner: "_Planner", participant_id: str) -> None:
    """Add a customer who joins at an address already served to the pending timed rows that go there."""
    shared: dict[str, set[str]] = {
        str(channel): set(recipient.participant_ids) - {participant_id}
        for channel in _PERSON_CHANNELS
        for recipient in planner.recipients(channel, only_participant=participant_id)
        if len(recipient.participants) > 1
    }
    if not shared:
        return
    now = timezone.now()
    for row in _open_person_rows(planner.appointment, types=TIMED_TYPES):
        served = _served(row)
        if shared.get(row.channel, set()) & set(served) and participant_id not in served:
            _serve(row, [*served, participant_id], now=now)


def _open_person_rows(appointment: Appointment, *, types: tuple[str, ...] | None = None) -> list[Delivery]:
    rows = Delivery.objects.filter(appointment_id=appointment.pk, status__in=OPEN_STATUSES).exclude(
        participant_id=""
    )
    if types is not None:
        rows = rows.filter(type__in=types)
    return list(rows.only("id", "channel", "participant_id", "participant_ids"))


def _served(row: Delivery) -> list[str]:
    """The participants a row serves (rows from before the list name only participant_id)."""
    return list(row.participant_ids or [row.participant_id])


def _serve(row: Delivery, participant_ids: list[str], *, now: datetime) -> None:
    # Conditional: a row a worker has started to send is left as it is.
    Delivery.objects.filter(pk=row.pk, status__in=OPEN_STATUSES).update(
        participant_id=participant_ids[0], participant_ids=participant_ids, updated_at=now
    )
    row.participant_id, row.participant_ids = participant_ids[0], participant_ids


def _plan_deleted(appointment: Appointment) -> list[Delivery]:
    """CANCEL rows carry a snapshot of their message: the appointment is gone by the time they are sent."""
    deliveries_cancel(appointment_id=appointment.pk, reason=DELETED_REASON)
    if not notifications_on(appointment):
        return []
    planner = _Planner.load(appointment)
    cancel = NotificationType.CANCEL
    rows = []
    event = None
    for channel, template in planner.templated(cancel):
        for recipient in planner.recipients(channel):
            row = planner.person_row(cancel, channel, template, recipient, planner.now)
            if channel == DeliveryChannel.EMAIL:
                event = event or snapshots.calendar_event(appointment)
                row.snapshot = snapshots.email_snapshot(
                    template=template, appointment=appointment, recipient=recipient.first, event=event
                )
            else:
                row.snapshot = snapshots.sms_snapshot(
                    template=template, appointment=appointment, recipient=recipient.first
                )
            rows.append(row)
    endpoints = planner.endpoints_for(cancel)
    if endpoints:
        snapshot = snapshots.webhook_snapshot(appointment)
        for endpoint in endpoints:
            row = planner.webhook_row(cancel, endpoint, planner.now)
            row.snapshot = snapshot
            rows.append(row)
    return deliveries_save(rows)


@dataclass(frozen=True)
class _Recipient:
    """One address on one channel and the customers who share it, in the order they joined."""

    address: str
    participants: tuple[Participant, ...]

    @property
    def first(self) -> Participant:
        """The one the message is rendered for ({{firstName}})."""
        return self.participants[0]

    @property
    def participant_ids(self) -> list[str]:
        return [participant.participant_id for participant in self.participants]


def timed_plan(
    *, appointment: Appointment, policy: PlanningPolicy, customers: list[Participant], now: datetime
) -> list[Delivery]:
    """The REMINDER and ROOM rows `policy` calls for, exactly as the live planner writes them; reads nothing.

    `customers` are the appointment's CUSTOMER participants in the order they joined
    (`planning_customers`). The replanner compares this with the rows already queued.
    """
    if not policy.notifies(appointment):
        return []
    return _Planner(appointment, policy=policy, customers=customers, now=now).timed()


def planning_customers(appointment_ids: list[Any]) -> dict[Any, list[Participant]]:
    """The CUSTOMER participants of each appointment, in the order they joined; one query."""
    customers: dict[Any, list[Participant]] = {pk: [] for pk in appointment_ids}
    rows = Participant.objects.filter(appointment_id__in=appointment_ids, type=ParticipantType.CUSTOMER)
    for customer in rows.order_by("created_at", "id"):
        customers[customer.appointment_id].append(customer)
    return customers


class _Planner:
    """Builds the rows of one appointment from a policy and its customers, without reading anything."""

    def __init__(
        self,
        appointment: Appointment,
        *,
        policy: PlanningPolicy,
        customers: list[Participant],
        now: datetime | None = None,
    ) -> None:
        self.appointment = appointment
        self.policy = policy
        self.customers = customers
        self.now = now or timezone.now()
        self._recipients: dict[str, list[_Recipient]] = {}
        window = quiet_hours(appointment.application)
        self.quiet = QuietHours(*window) if window is not None else None

    @classmethod
    def load(cls, appointment: Appointment, *, exclude_participant: Any = None) -> "_Planner":
        """A planner for the appointment as stored: reads the policy and the customers."""
        customers = Participant.objects.filter(appointment_id=appointment.pk, type=ParticipantType.CUSTOMER)
        if exclude_participant is not None:
            customers = customers.exclude(pk=exclude_participant)
        return cls(
            appointment,
            policy=policy_load(application=appointment.application),
            customers=list(customers.order_by("created_at", "id")),
        )

    def recipients(self, channel: str, only_participant: str | None = None) -> list[_Recipient]:
        """Each address on `channel` once, with the customers at it (all, or only `only_participant`'s)."""
        if channel not in self._recipients:
            self._recipients[channel] = _by_address(self.customers, channel)
        return [
            recipient
            for recipient in self._recipients[channel]
            if only_participant in (None, *recipient.participant_ids)
        ]

    def row(self, *, type: str, channel: str, recipient: str, due_at: datetime, **fields: Any) -> Delivery:
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

    def person_row(
        self,
        type: str,
        channel: str,
        template: NotificationTemplate,
        recipient: _Recipient,
        due_at: datetime,
    ) -> Delivery:
        return self.row(
            type=type,
            channel=channel,
            recipient=recipient.address,
            participant_id=recipient.first.participant_id,
            participant_ids=recipient.participant_ids,
            template=template,
            locale=template.locale,
            due_at=due_at,
        )

    def webhook_row(self, type: str, endpoint: WebhookEndpoint, due_at: datetime) -> Delivery:
        return self.row(
            type=type,
            channel=DeliveryChannel.WEBHOOK,
            recipient=endpoint.url,
            webhook_endpoint=endpoint,
            due_at=due_at,
        )

    def templated(self, type: str) -> Iterator[tuple[str, NotificationTemplate]]:
        """(channel, template) for every verified person channel and each template chosen for it."""
        for channel in _PERSON_CHANNELS:
            if channel not in self.policy.channels:
                continue
            for template in self.policy.templates_for(self.appointment, type=type, channel=channel):
                yield channel, template

    def endpoints_for(self, type: str) -> list[WebhookEndpoint]:
        return self.policy.endpoints_for(type)

    def immediate(self, type: str) -> list[Delivery]:
        """Rows due now: every customer on every channel, and every endpoint listening for `type`."""
        rows = [
            self.person_row(type, channel, template, recipient, self.now)
            for channel, template in self.templated(type)
            for recipient in self.recipients(channel)
        ]
        rows += [self.webhook_row(type, endpoint, self.now) for endpoint in self.endpoints_for(type)]
        return rows

    def timed(self, *, only_participant: str | None = None, webhooks: bool = True) -> list[Delivery]:
        """REMINDER and ROOM rows, due each template's period before the start."""
        rows = []
        for type in TIMED_TYPES:
            for channel, template in self.templated(type):
                # A REMINDER or ROOM template always has a period (ntemplate_period_iff_timed).
                due = _before(self.appointment.start, cast(timedelta, template.period))
                for recipient in self.recipients(channel, only_participant):
                    if only_participant not in (None, recipient.first.participant_id):
                        continue  # a later customer at an address already served joins its rows
                    row = self._late_checked(self.person_row(type, channel, template, recipient, due))
                    rows.append(self._quiet_checked(row, recipient))
            if webhooks:
                rows += self._timed_webhooks(type)
        return rows

    def _timed_webhooks(self, type: str) -> list[Delivery]:
        endpoints = self.endpoints_for(type)
        if not endpoints:
            return []
        # Webhooks have no template of their own: they fire at the periods the application's templates use.
        periods = self.policy.periods(type)
        return [
            self._late_checked(self.webhook_row(type, endpoint, _before(self.appointment.start, period)))
            for period in periods
            for endpoint in endpoints
        ]

    def _quiet_checked(self, row: Delivery, recipient: _Recipient) -> Delivery:
        """A person's timed row due inside quiet hours in their zone moves (webhooks never wait)."""
        if self.quiet is None or row.status != DeliveryStatus.PENDING:
            return row
        zone = recipient_zone([p.metadata for p in recipient.participants], self.appointment.timezone)
        hold = quiet_hold(
            due=row.due_at, hours=self.quiet, zone=zone, start=self.appointment.start, now=self.now
        )
        if hold is not None:
            # original_due_at is the time the row would have had without quiet hours.
            row.original_due_at, row.due_at, row.due_note = row.due_at, hold.due_at, hold.note
        return row

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


def _before(start: datetime, period: timedelta) -> datetime:
    """`period` before `start`; before the calendar's first day it is simply "long ago" (already due)."""
    try:
        return start - period
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def _address(participant: Participant, channel: str) -> str:
    return participant.email if channel == DeliveryChannel.EMAIL else participant.phone


def _by_address(customers: list[Participant], channel: str) -> list[_Recipient]:
    """The customers grouped by their address on `channel`, in the order the addresses first appear."""
    groups: dict[str, list[Participant]] = {}
    for customer in customers:
        address = _address(customer, channel).strip()
        if address:
            # Mailboxes are matched case-insensitively in practice; phones are E.164 already.
            groups.setdefault(address.lower(), []).append(customer)
    return [_Recipient(_address(group[0], channel), tuple(group)) for group in groups.values()]
