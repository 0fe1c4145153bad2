"""RFC 5545 iCalendar files for appointments, built from an immutable snapshot.

Calendars are built from a `CalendarEvent` rather than from the model so that a
CANCEL can still be sent after the appointment row is gone: the notification
pipeline keeps `CalendarEvent.to_dict()` and rebuilds the event from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, tzinfo
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Appointments API//Calendars//EN"
METHODS = frozenset({"REQUEST", "CANCEL"})
DEFAULT_SUMMARY = "Appointment"


@dataclass(frozen=True)
class CalendarPerson:
    """Someone with an email address: the organizer or an attendee."""

    email: str
    name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalendarPerson:
        return cls(email=str(data["email"]), name=str(data.get("name") or ""))


@dataclass(frozen=True)
class CalendarEvent:
    """What a calendar needs to know about one appointment, at one moment."""

    appointment_id: str
    uid: str
    title: str
    notes: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    timezone: str  # IANA name, the zone the appointment is shown in
    room_url: str
    sequence: int
    organizer: CalendarPerson
    attendees: tuple[CalendarPerson, ...] = field(default_factory=tuple)

    def __post_init__(self):
        # Hold times in UTC whatever they came in as, so that every output agrees.
        object.__setattr__(self, "start", _utc(self.start))
        object.__setattr__(self, "end", _utc(self.end))
        object.__setattr__(self, "attendees", tuple(self.attendees))

    @classmethod
    def from_appointment(cls, appointment) -> CalendarEvent:
        """Snapshot an Appointment; reads `participants.all()` (prefetch it to save a query)."""
        participants = list(appointment.participants.all())
        attendees = _unique_people(
            CalendarPerson(email=p.email, name=p.full_name) for p in participants if p.email
        )
        return cls(
            appointment_id=str(appointment.pk),
            uid=event_uid(appointment.pk),
            title=appointment.title,
            notes=appointment.notes,
            start=appointment.start,
            end=appointment.end,
            timezone=appointment.timezone,
            room_url=appointment.room_url,
            sequence=appointment.sequence,
            organizer=_organizer(appointment, participants),
            attendees=attendees,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form, for the notification pipeline's snapshot."""
        return {
            "appointment_id": self.appointment_id,
            "uid": self.uid,
            "title": self.title,
            "notes": self.notes,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.timezone,
            "room_url": self.room_url,
            "sequence": self.sequence,
            "organizer": self.organizer.to_dict(),
            "attendees": [person.to_dict() for person in self.attendees],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalendarEvent:
        """Rebuild a snapshot written by `to_dict`; a missing key raises KeyError."""
        return cls(
            appointment_id=str(data["appointment_id"]),
            uid=str(data["uid"]),
            title=str(data.get("title") or ""),
            notes=str(data.get("notes") or ""),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            timezone=str(data["timezone"]),
            room_url=str(data.get("room_url") or ""),
            sequence=int(data.get("sequence") or 0),
            organizer=CalendarPerson.from_dict(data["organizer"]),
            attendees=tuple(CalendarPerson.from_dict(item) for item in data.get("attendees") or ()),
        )

    @property
    def summary(self) -> str:
        return self.title or DEFAULT_SUMMARY

    @property
    def description(self) -> str:
        """The notes, then the room link on its own line once the room exists."""
        return "\n\n".join(part for part in (self.notes.strip(), self.room_url) if part)

    @property
    def zone(self) -> ZoneInfo:
        # A zone unknown to this machine's tz database must not stop an email
        # from going out: fall back to UTC, which every calendar understands.
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


def event_uid(appointment_id) -> str:
    """The iCalendar UID of an appointment: the same for its whole life."""
    host = urlsplit(settings.PUBLIC_BASE_URL).hostname or "localhost"
    return f"{appointment_id}@{host}"


def build_ics(event: CalendarEvent, *, method: str | None = None, now: datetime | None = None) -> bytes:
    """Serialize one VEVENT with its VTIMEZONE; `method` is None, "REQUEST" or "CANCEL"."""
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)} or None, not {method!r}")
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    calendar.add_component(_vevent(event, cancelled=method == "CANCEL", now=now))
    if event.end.year < MAXYEAR:  # the year 9999 is written in UTC: no VTIMEZONE (see _shown_zone)
        # Only the years the event touches: enough for the right offsets on both
        # sides of a DST change, and a small file instead of decades of rules.
        calendar.add_missing_timezones(
            first_date=date(event.start.year, 1, 1),
            last_date=date(event.end.year + 1, 1, 1),
        )
    return calendar.to_ical()


def _shown_zone(event: CalendarEvent) -> tzinfo:
    """The zone DTSTART and DTEND are written in: the event's own, but UTC in the year 9999.

    icalendar describes a zone by stepping up to 64 days past the year after the event,
    which the year 9999 has not got; UTC times need no description and mean the same.
    """
    return event.zone if event.end.year < MAXYEAR else UTC


def _vevent(event: CalendarEvent, *, cancelled: bool, now: datetime | None) -> Event:
    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("DTSTAMP", _utc(now or datetime.now(UTC)))
    vevent.add("DTSTART", event.start.astimezone(_shown_zone(event)))
    vevent.add("DTEND", event.end.astimezone(_shown_zone(event)))
    vevent.add("SUMMARY", event.summary)
    if event.description:
        vevent.add("DESCRIPTION", event.description)
    if event.room_url:
        vevent.add("LOCATION", event.room_url)
        vevent.add("URL", event.room_url)
    vevent.add("ORGANIZER", _address(event.organizer))
    for person in event.attendees:
        is_organizer = person.email.lower() == event.organizer.email.lower()
        vevent.add("ATTENDEE", _address(person, attendee=True, chair=is_organizer))
    # A CANCEL must carry a higher SEQUENCE than the last REQUEST, or clients
    # may ignore it as stale.
    vevent.add("SEQUENCE", event.sequence + 1 if cancelled else event.sequence)
    vevent.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("TRANSP", "OPAQUE")
    return vevent


def _address(person: CalendarPerson, *, attendee: bool = False, chair: bool = False) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    if attendee:
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "CHAIR" if chair else "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "ACCEPTED" if chair else "NEEDS-ACTION"
        # Replies would go to the organizer's mailbox and nothing reads them
        # there: the appointment's state lives in this service.
        address.params["RSVP"] = "FALSE"
    return address


def _organizer(appointment, participants) -> CalendarPerson:
    """The organizing participant; without an email, the service's sender address.

    iTIP (RFC 5546) requires an ORGANIZER in REQUEST and CANCEL, so an
    organizer without an email is represented by the address the mail comes from.
    """
    for participant in participants:
        is_organizer = participant.participant_id == appointment.organizer_id
        if is_organizer and participant.type == appointment.organizer_type:
            if participant.email:
                return CalendarPerson(email=participant.email, name=participant.full_name)
            return CalendarPerson(email=_sender_address(), name=participant.full_name)
    return CalendarPerson(email=_sender_address())


def _sender_address() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address or settings.DEFAULT_FROM_EMAIL


def _unique_people(people) -> tuple[CalendarPerson, ...]:
    seen: set[str] = set()
    unique = []
    for person in people:
        key = person.email.lower()
        if key not in seen:
            seen.add(key)
            unique.append(person)
    return tuple(unique)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: calendar times must be aware")
    return moment.astimezone(UTC)
