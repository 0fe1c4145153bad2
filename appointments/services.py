"""Writes of appointments. The API, the admin, tasks and commands all come through here.

Every service owns its transaction, takes the appointment's row lock first and
reports its change through `appointments.changes.appointment_changed`.
"""

import secrets
import uuid
import zoneinfo
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone as django_timezone

from appointments.attendance import appointment_no_show_mark_ended
from appointments.changes import AppointmentChange, appointment_changed
from appointments.models import Appointment, InteractionState, OrganizerType, RoutingType
from appointments.overlaps import agent_overlap_guarded, agent_overlap_refused
from appointments.selectors import appointment_lock
from core.api.fields import ZONED_EARLIEST, ZONED_LATEST, format_datetime_utc, format_duration, shifted
from core.errors import Conflict, Forbidden, InvalidInput
from core.models import assign_changes
from participants.models import Participant, ParticipantType
from participants.otp import CodeRejected, Contact, otp_verify
from participants.services import CustomerDetails, agent_create, customer_create
from tenants.models import Application


class _Unset:
    """Marks an argument that was not given, as opposed to one given empty (which clears)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def _schedule_end(*, start: datetime, duration: timedelta, timezone: str) -> datetime:
    """Check a schedule and return its end; each problem names the API field."""
    if duration <= timedelta(0):
        raise InvalidInput.for_field("duration", "must be longer than zero")
    if duration > settings.APPOINTMENT_MAX_DURATION:
        raise InvalidInput.for_field(
            "duration", f"must not exceed {format_duration(settings.APPOINTMENT_MAX_DURATION)}"
        )
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.for_field("timezone", f"{timezone!r} is not an IANA time zone") from None
    end = shifted(start, duration)
    # Messages and .ics files show the appointment in its zone: keep it where every zone has a clock.
    if start < ZONED_EARLIEST or end is None or end > ZONED_LATEST:
        raise InvalidInput.for_field(
            "start",
            f"the appointment must lie between {format_datetime_utc(ZONED_EARLIEST)} "
            f"and {format_datetime_utc(ZONED_LATEST)}",
        )
    return end


def _check_lengths(**values: str | None) -> None:
    """Refuse values longer than their column (the API's own ids and locales, from tokens or parsers)."""
    for name, value in values.items():
        field = cast(Field, Appointment._meta.get_field(_COLUMNS[name]))
        limit = cast(int, field.max_length)  # both columns are CharFields
        if value and len(value) > limit:
            raise InvalidInput.for_field(name, f"must be at most {limit} characters")


_COLUMNS = {"organizerId": "organizer_id", "locale": "locale"}


def _routing_type(application: Application, routing_type: str | None) -> str:
    if not routing_type:
        return application.default_routing_type
    if routing_type not in RoutingType.values:
        raise InvalidInput.for_field(
            "interaction.routing.type", f"must be one of {', '.join(RoutingType.values)}"
        )
    return routing_type


def _new_room_url() -> str:
    # 16 random bytes: 128 bits, far beyond guessing, URL-safe.
    return f"{settings.ROOM_BASE_URL}/q/{secrets.token_urlsafe(16)}"


def _activate(appointment: Appointment) -> bool:
    """Give the (locked) appointment its room unless it has one; True when it was created now."""
    if appointment.room_url:
        return False
    appointment.room_url = _new_room_url()
    appointment.activated_at = django_timezone.now()
    appointment.save(update_fields=["room_url", "activated_at", "updated_at"])
    return True


@transaction.atomic
def appointment_schedule(
    *,
    application: Application,
    start: datetime,
    duration: timedelta,
    timezone: str,
    organizer_id: str | None = None,
    organizer_type: str = OrganizerType.AGENT,
    locale: str | None = None,
    title: str = "",
    notes: str = "",
    metadata: dict | None = None,
    notification_headers: dict | None = None,
    routing_type: str | None = None,
    routing_properties: dict | None = None,
    custom_fields: dict | None = None,
    customer: CustomerDetails | None = None,
) -> Appointment:
    """Schedule an appointment.

    An AGENT organizer (`organizer_id`) also becomes an AGENT participant. A
    CUSTOMER organizer is the `customer` itself, whose new participant id becomes
    the organizer id. `customer`, if given, becomes a CUSTOMER participant.
    """
    end = _schedule_end(start=start, duration=duration, timezone=timezone)
    _check_lengths(organizerId=organizer_id, locale=locale)
    customer_id = None
    if organizer_type == OrganizerType.CUSTOMER:
        if customer is None:
            raise InvalidInput.for_field("customer", "a customer organizer needs the customer's details")
        customer_id = organizer_id = str(uuid.uuid4())
    elif not organizer_id:
        raise InvalidInput.for_field("organizerId", "an agent organizer needs an id")
    guarded = organizer_type == OrganizerType.AGENT and agent_overlap_guarded(application_id=application.pk)
    appointment = Appointment(
        application=application,
        organizer_id=organizer_id,
        organizer_type=organizer_type,
        start=start,
        duration=duration,
        end=end,
        timezone=timezone,
        locale=locale or application.default_locale,
        title=title,
        notes=notes,
        metadata=metadata or {},
        notification_headers=notification_headers or {},
        routing_type=_routing_type(application, routing_type),
        routing_properties=routing_properties or {},
        custom_fields=custom_fields or {},
        agent_overlap_guarded=guarded,
    )
    with agent_overlap_refused(appointment):
        appointment.save(force_insert=True)
    ids = {"application_id": application.pk, "appointment_id": appointment.pk}
    if organizer_type == OrganizerType.AGENT:
        agent_create(**ids, agent_id=organizer_id)
    if customer is not None:
        customer_create(**ids, customer=customer, participant_id=customer_id)
    appointment_changed(appointment=appointment, change=AppointmentChange.CREATED)
    if application.auto_activate and _activate(appointment):
        appointment_changed(appointment=appointment, change=AppointmentChange.ACTIVATED)
    return appointment


@transaction.atomic
def appointment_update(
    *,
    appointment: Appointment,
    title: str | _Unset = UNSET,
    notes: str | _Unset = UNSET,
    metadata: dict | None | _Unset = UNSET,
    notification_headers: dict | None | _Unset = UNSET,
) -> Appointment:
    """Change the given fields; a field given empty (or None) is cleared, one not given is kept."""
    appointment = appointment_lock(appointment=appointment)
    wanted = {
        "title": title if title is UNSET else (title or ""),
        "notes": notes if notes is UNSET else (notes or ""),
        "metadata": metadata if metadata is UNSET else (metadata or {}),
        "notification_headers": (
            notification_headers if notification_headers is UNSET else (notification_headers or {})
        ),
    }
    changed = assign_changes(
        appointment, {name: value for name, value in wanted.items() if value is not UNSET}
    )
    if not changed:
        return appointment
    appointment.save(update_fields=[*changed, "updated_at"])
    appointment_changed(appointment=appointment, change=AppointmentChange.UPDATED)
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    duration: timedelta,
    timezone: str,
    locale: str | None = None,
) -> Appointment:
    """Move the appointment; an activated one keeps its room URL, whose expiry follows the new end."""
    end = _schedule_end(start=start, duration=duration, timezone=timezone)
    _check_lengths(locale=locale)
    guarded = agent_overlap_guarded(application_id=appointment.application_id)
    appointment = appointment_lock(appointment=appointment)
    wanted = {"start": start, "duration": duration, "end": end, "timezone": timezone}
    if locale:
        wanted["locale"] = locale
    changed = assign_changes(appointment, wanted)
    if not changed:
        return appointment
    changed += assign_changes(appointment, {"agent_overlap_guarded": guarded})
    with agent_overlap_refused(appointment):
        appointment.save(update_fields=[*changed, "updated_at"])
    appointment_changed(appointment=appointment, change=AppointmentChange.RESCHEDULED)
    return appointment


@transaction.atomic
def appointment_delete(*, appointment: Appointment) -> None:
    """Delete the appointment and its participants for good."""
    appointment = appointment_lock(appointment=appointment)
    appointment_changed(appointment=appointment, change=AppointmentChange.DELETED)
    appointment.delete()


@transaction.atomic
def appointment_activate(*, appointment: Appointment) -> Appointment:
    """Give the appointment its video room; activating again returns the same room."""
    appointment = appointment_lock(appointment=appointment)
    if _activate(appointment):
        appointment_changed(appointment=appointment, change=AppointmentChange.ACTIVATED)
    return appointment


@transaction.atomic
def appointment_end(*, appointment: Appointment) -> Appointment:
    """Mark the interaction COMPLETE; ending an ended appointment changes nothing.

    An appointment none of whose customers ever joined is marked a no-show at once.
    """
    appointment = appointment_lock(appointment=appointment)
    if appointment.interaction_state == InteractionState.COMPLETE:
        return appointment
    appointment.interaction_state = InteractionState.COMPLETE
    appointment.save(update_fields=["interaction_state", "updated_at"])
    appointment_changed(appointment=appointment, change=AppointmentChange.ENDED)
    appointment_no_show_mark_ended(appointment=appointment, now=django_timezone.now())
    return appointment


@transaction.atomic
def appointment_reassign(*, appointment: Appointment, agent_id: str) -> Appointment:
    """Make `agent_id` the organizer and only AGENT participant.

    As the document says, reassigning to the agent who already organizes the
    appointment changes nothing.
    """
    guarded = agent_overlap_guarded(application_id=appointment.application_id)
    appointment = appointment_lock(appointment=appointment)
    if appointment.organizer_type == OrganizerType.AGENT and appointment.organizer_id == agent_id:
        return appointment
    agents = Participant.objects.filter(appointment=appointment, type=ParticipantType.AGENT)
    agents.exclude(participant_id=agent_id).delete()
    if not agents.filter(participant_id=agent_id).exists():
        try:
            with transaction.atomic():
                agent_create(
                    application_id=appointment.application_id,
                    appointment_id=appointment.pk,
                    agent_id=agent_id,
                )
        except IntegrityError:
            # The id is already taken by a customer participant of this appointment.
            raise Conflict(
                f"{agent_id} is already a customer participant of appointment {appointment.pk}"
            ) from None
    appointment.organizer_id = agent_id
    appointment.organizer_type = OrganizerType.AGENT
    appointment.agent_overlap_guarded = guarded
    with agent_overlap_refused(appointment):
        appointment.save(
            update_fields=["organizer_id", "organizer_type", "agent_overlap_guarded", "updated_at"]
        )
    appointment_changed(appointment=appointment, change=AppointmentChange.REASSIGNED)
    return appointment


def appointment_schedule_as_customer(
    *,
    application: Application,
    contact: Contact,
    code: str,
    client_address: str | None = None,
    customer: CustomerDetails | None = None,
    **schedule: Any,
) -> Appointment:
    """Schedule with the customer as organizer, once `code` proves the customer owns `contact`.

    The code is consumed only if the appointment is created. A wrong code still
    counts as an attempt, and against `client_address`: that bookkeeping commits
    before CodeRejected is raised.
    """
    with transaction.atomic():
        verified = otp_verify(
            application=application, contact=contact, code=code, client_address=client_address
        )
        if verified:
            appointment = appointment_schedule(
                application=application,
                organizer_type=OrganizerType.CUSTOMER,
                customer=_with_verified_contact(customer or CustomerDetails(), contact),
                **schedule,
            )
    if not verified:
        raise CodeRejected("the code is wrong, expired or used up; request a new one")
    return appointment


def _with_verified_contact(customer: CustomerDetails, contact: Contact) -> CustomerDetails:
    """The customer with the verified contact filled in; a different one in the body is refused."""
    if contact.is_email:
        if customer.email and customer.email.lower() != contact.value:
            raise Forbidden("customer.contact.primaryEmail differs from the verified email")
        return replace(customer, email=customer.email or contact.value)
    if customer.phone and customer.phone != contact.value:
        raise Forbidden("customer.contact.primaryPhone differs from the verified phone")
    return replace(customer, phone=contact.value)
