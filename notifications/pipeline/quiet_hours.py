"""Quiet hours: REMINDER and ROOM emails and SMS are not planned inside the application's local night.

The window is wall-clock time (`tenants.application_settings.quiet_hours`) read in the
recipient's zone: the participant's own (`metadata["timezone"]`, an IANA name) where it
names a valid zone, else the appointment's `timezone`. A row due inside the window is
moved to the window's end when that is still before the appointment's start, otherwise
to one minute before the window began, and never earlier than the moment it is planned.

Daylight saving: a boundary the clocks skip (spring forward) is the instant they jump
past it; one they show twice (fall back) is its first occurrence. Either way it is the
first instant at which the local clock reads the boundary or later.

Pure arithmetic on aware datetimes: no database, so planning calls it once per row.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The participant metadata key that may carry the recipient's own IANA zone.
PARTICIPANT_ZONE_KEY = "timezone"
# "Just before the window began": a message moved ahead of the night goes this long before it.
BEFORE_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class QuietHours:
    """A daily local window [start, end); it crosses midnight when end <= start."""

    start: time
    end: time

    def label(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


def _clock(at: time) -> str:
    # The settings take HH:MM; seconds appear only where a window was stored with them.
    return f"{at:%H:%M:%S}" if at.second else f"{at:%H:%M}"


@dataclass(frozen=True)
class Hold:
    """Where quiet hours put a row: its new due time and the note the ledger shows."""

    due_at: datetime
    note: str


def zone_named(name: Any) -> ZoneInfo | None:
    """The IANA zone `name` stands for, or None when it is missing or not a zone."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path-like or malformed key
        return None


def recipient_zone(participant_metadata: list[Any], appointment_zone: str) -> ZoneInfo:
    """The first valid zone among the served participants' metadata, else the appointment's (else UTC)."""
    for metadata in participant_metadata:
        if isinstance(metadata, dict):
            zone = zone_named(metadata.get(PARTICIPANT_ZONE_KEY))
            if zone is not None:
                return zone
    return zone_named(appointment_zone) or ZoneInfo("UTC")


def wall_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clocks of `zone` read `at` on `day`, or the jump past it."""
    naive = datetime.combine(day, at)
    earlier = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    later = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    first, second = min(earlier, later), max(earlier, later)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first  # exists once, or twice (fall back): its first occurrence
    # Skipped (spring forward): the clocks jump at a whole second in (first, second]; find it.
    low, high = int(first.timestamp()), int(second.timestamp())
    offset_before = first.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def window_around(instant: datetime, hours: QuietHours, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The quiet window (begin, end) in UTC that holds `instant`, or None when it is outside."""
    today = instant.astimezone(zone).date()
    # A window is shorter than a day, so only the one starting the local day before or on it can hold it.
    for day in (today - timedelta(days=1), today):
        begin = wall_instant(day, hours.start, zone)
        end_day = day if hours.end > hours.start else day + timedelta(days=1)
        end = wall_instant(end_day, hours.end, zone)
        if begin <= instant < end:
            return begin, end
    return None


def quiet_hold(
    *, due: datetime, hours: QuietHours, zone: ZoneInfo, start: datetime, now: datetime
) -> Hold | None:
    """Where a REMINDER or ROOM row due at `due` goes instead, or None when it is outside quiet hours.

    After the window when that is before `start`; else BEFORE_MARGIN before the window
    began; and if that moment has passed (the night covers everything from planning to the
    start), at `now`: a room link held past the start would be no use at all.
    """
    window = window_around(due, hours, zone)
    if window is None:
        return None
    begin, end = window
    where = f"quiet hours {hours.label()} {zone.key}"
    if end < start:
        return Hold(end, f"held for {where}")
    before = begin - BEFORE_MARGIN
    if before >= now:
        return Hold(before, f"sent before {where}: they end after the start")
    return Hold(min(now, due), f"due in {where}, which last past the start: sent when planned")
