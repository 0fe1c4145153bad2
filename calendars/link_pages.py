"""What a short link shows when it is clicked: the appointment as it is now.

`link_state` decides; `appointment_summary` gives the page the times in the
recipient's zone and language. The view (calendars/views.py) only renders.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from django.conf import settings
from django.utils import timezone

from appointments.models import Appointment, InteractionState
from calendars.short_links import LinkToken
from participants.models import Participant


class LinkState(StrEnum):
    UNKNOWN = "unknown"  # not signed here, or the participant is no longer in the appointment
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # the appointment was cancelled (deleted)
    ENDED = "ended"
    ACTIVATED = "activated"
    SCHEDULED = "scheduled"


def link_state(
    *, link: LinkToken, appointment: Appointment | None, participant: Participant | None
) -> LinkState:
    now = timezone.now()
    if now > link.expires_at(appointment.end if appointment else None):
        return LinkState.EXPIRED
    if appointment is None:
        return LinkState.CANCELLED
    if participant is None:
        return LinkState.UNKNOWN
    if appointment.interaction_state == InteractionState.COMPLETE or appointment.end <= now:
        return LinkState.ENDED
    return LinkState.ACTIVATED if appointment.room_url else LinkState.SCHEDULED


def ended_at(appointment: Appointment) -> datetime:
    """When it ended: when it was ended, if that was before its scheduled end; else the scheduled end."""
    if appointment.interaction_state == InteractionState.COMPLETE:
        return min(appointment.updated_at, appointment.end)
    return appointment.end


def page_language(locale: str) -> str:
    """The page language for an appointment locale (de_AT -> de); English when the pages do not speak it."""
    language = (locale or "").replace("-", "_").split("_")[0].lower()
    return language if language in dict(settings.LANGUAGES) else "en"


def recipient_zone(appointment: Appointment, participant: Participant | None) -> ZoneInfo:
    """The participant's own zone when their metadata names one, else the appointment's."""
    metadata = participant.metadata if participant is not None else {}
    names = [metadata.get("timezone") if isinstance(metadata, dict) else None, appointment.timezone]
    for name in names:
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@dataclass(frozen=True)
class LocalTimes:
    """Moments written for one reader: in their zone and their language (Babel, CLDR)."""

    zone: ZoneInfo
    locale: str

    def day(self, moment: datetime) -> str:
        return format_date(moment.astimezone(self.zone), format="full", locale=self.locale)

    def clock(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{format_time(local, format='short', locale=self.locale)} {local.tzname() or ''}".strip()

    def when(self, moment: datetime) -> str:
        return f"{self.day(moment)}, {self.clock(moment)}"
