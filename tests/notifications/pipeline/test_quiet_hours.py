"""Quiet hours arithmetic: windows in local wall-clock time, across midnight and daylight saving."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from notifications.pipeline.quiet_hours import (
    BEFORE_MARGIN,
    QuietHours,
    quiet_hold,
    recipient_zone,
    wall_instant,
    window_around,
)

ATHENS = ZoneInfo("Europe/Athens")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT = QuietHours(time(21), time(8))
LUNCH = QuietHours(time(13), time(14))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)


@pytest.fixture
def now(time_machine):
    """Planning happens a week before the appointments of these tests."""
    time_machine.move_to(utc(2030, 1, 1, 12), tick=False)
    return timezone.now()


def hold(due: datetime, hours: QuietHours, zone: ZoneInfo, *, start: datetime | None = None):
    return quiet_hold(
        due=due, hours=hours, zone=zone, start=start or due + timedelta(days=2), now=timezone.now()
    )


# --- the window -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        ((2030, 6, 1, 20, 59), False),
        ((2030, 6, 1, 21, 0), True),  # the start belongs to the window
        ((2030, 6, 1, 23, 30), True),
        ((2030, 6, 2, 0, 0), True),
        ((2030, 6, 2, 7, 59), True),
        ((2030, 6, 2, 8, 0), False),  # the end does not
        ((2030, 6, 2, 12, 0), False),
    ],
)
def test_a_window_across_midnight(wall, inside, now):
    assert (window_around(local(ATHENS, *wall), NIGHT, ATHENS) is not None) is inside


def test_the_window_of_a_night_runs_from_its_evening_to_the_next_morning(now):
    begin, end = window_around(local(ATHENS, 2030, 6, 2, 3, 0), NIGHT, ATHENS)
    assert begin == local(ATHENS, 2030, 6, 1, 21, 0) and end == local(ATHENS, 2030, 6, 2, 8, 0)


@pytest.mark.parametrize(
    ("wall", "inside"),
    [((12, 59), False), ((13, 0), True), ((13, 59), True), ((14, 0), False), ((23, 0), False)],
)
def test_a_window_within_one_day(wall, inside, now):
    assert (window_around(local(ATHENS, 2030, 6, 1, *wall), LUNCH, ATHENS) is not None) is inside


def test_the_window_is_read_in_the_given_zone(now):
    due = utc(2030, 6, 1, 22, 0)  # 01:00 in Athens, 18:00 in New York
    assert window_around(due, NIGHT, ATHENS) is not None
    assert window_around(due, NIGHT, NEW_YORK) is None


# --- daylight saving ------------------------------------------------------------------


def test_athens_spring_forward_end_that_does_not_exist_is_the_jump(now):
    # 2030-03-31: 03:00 EET becomes 04:00 EEST (01:00 UTC); 03:30 never happens.
    assert wall_instant(date(2030, 3, 31), time(3, 30), ATHENS) == utc(2030, 3, 31, 1, 0)
    held = hold(local(ATHENS, 2030, 3, 31, 2, 30), QuietHours(time(22), time(3, 30)), ATHENS)
    assert held.due_at == utc(2030, 3, 31, 1, 0)
    assert held.due_at.astimezone(ATHENS).time() == time(4, 0)
    assert held.note == "held for quiet hours 22:00–03:30 Europe/Athens"


def test_athens_fall_back_end_shown_twice_is_its_first_occurrence(now):
    # 2030-10-27: 04:00 EEST becomes 03:00 EET (01:00 UTC); 03:30 happens at 00:30 and 01:30 UTC.
    assert wall_instant(date(2030, 10, 27), time(3, 30), ATHENS) == utc(2030, 10, 27, 0, 30)
    held = hold(local(ATHENS, 2030, 10, 27, 2, 0), QuietHours(time(22), time(3, 30)), ATHENS)
    assert held.due_at == utc(2030, 10, 27, 0, 30)
    # The second 03:30 (after the clocks went back) is no longer quiet.
    assert (
        window_around(local(ATHENS, 2030, 10, 27, 3, 30, fold=1), QuietHours(time(22), time(3, 30)), ATHENS)
        is None
    )


def test_new_york_spring_forward_and_fall_back(now):
    spring = QuietHours(time(21), time(2, 30))  # 2030-03-10 02:00 EST -> 03:00 EDT (07:00 UTC)
    assert hold(local(NEW_YORK, 2030, 3, 10, 1, 0), spring, NEW_YORK).due_at == utc(2030, 3, 10, 7, 0)
    autumn = QuietHours(time(21), time(1, 30))  # 2030-11-03 02:00 EDT -> 01:00 EST (06:00 UTC)
    assert hold(local(NEW_YORK, 2030, 11, 3, 0, 45), autumn, NEW_YORK).due_at == utc(2030, 11, 3, 5, 30)


def test_lord_howe_shifts_by_half_an_hour(now):
    # 2030-10-06: 02:00 (+10:30) becomes 02:30 (+11:00) at 15:30 UTC the day before; 02:15 never happens.
    spring = QuietHours(time(22), time(2, 15))
    assert wall_instant(date(2030, 10, 6), time(2, 15), LORD_HOWE) == utc(2030, 10, 5, 15, 30)
    held = hold(local(LORD_HOWE, 2030, 10, 6, 1, 0), spring, LORD_HOWE)
    assert held.due_at == utc(2030, 10, 5, 15, 30)
    assert held.due_at.astimezone(LORD_HOWE).time() == time(2, 30)
    # 2030-04-07: 02:00 (+11:00) becomes 01:30 (+10:30) at 15:00 UTC; 01:45 happens twice.
    autumn = QuietHours(time(22), time(1, 45))
    assert hold(local(LORD_HOWE, 2030, 4, 7, 1, 0), autumn, LORD_HOWE).due_at == utc(2030, 4, 6, 14, 45)


def test_a_zone_without_daylight_saving(now):
    held = hold(local(TOKYO, 2030, 3, 31, 23, 0), NIGHT, TOKYO)
    assert held.due_at == utc(2030, 3, 31, 23, 0)  # 08:00 in Tokyo on April 1st
    assert held.due_at.astimezone(TOKYO) == datetime(2030, 4, 1, 8, 0, tzinfo=TOKYO)
    assert hold(local(TOKYO, 2030, 3, 31, 20, 0), NIGHT, TOKYO) is None


def test_a_window_start_the_clocks_skip_begins_at_the_jump(now):
    # Athens 2030-03-31: a window from 03:15 begins when the clocks jump to 04:00.
    hours = QuietHours(time(3, 15), time(6))
    assert window_around(local(ATHENS, 2030, 3, 31, 2, 59), hours, ATHENS) is None
    assert window_around(utc(2030, 3, 31, 1, 0), hours, ATHENS) == (
        utc(2030, 3, 31, 1, 0),
        utc(2030, 3, 31, 3, 0),
    )


# --- where a held row goes ---------------------------------------------------------------


def test_held_until_the_end_when_that_is_before_the_start(now):
    due = local(ATHENS, 2030, 6, 1, 22, 0)
    held = hold(due, NIGHT, ATHENS, start=local(ATHENS, 2030, 6, 2, 10, 0))
    assert held.due_at == local(ATHENS, 2030, 6, 2, 8, 0)


def test_moved_before_the_window_when_it_ends_after_the_start(now):
    due = local(ATHENS, 2030, 6, 2, 6, 0)  # a two-hour reminder for 08:00: the night ends only at 08:00
    held = hold(due, NIGHT, ATHENS, start=local(ATHENS, 2030, 6, 2, 8, 0))
    assert held.due_at == local(ATHENS, 2030, 6, 1, 21, 0) - BEFORE_MARGIN
    assert held.note == "sent before quiet hours 21:00–08:00 Europe/Athens: they end after the start"


def test_the_end_equal_to_the_start_is_not_before_it(now):
    due = local(ATHENS, 2030, 6, 2, 7, 50)
    held = hold(due, NIGHT, ATHENS, start=local(ATHENS, 2030, 6, 2, 8, 0))
    assert held.due_at < local(ATHENS, 2030, 6, 1, 21, 0)


def test_never_moved_into_the_past_when_the_night_covers_everything_before_the_start(time_machine):
    # Planned at 23:00 for an appointment at 01:00 with a one-hour reminder: there is no quiet moment left.
    time_machine.move_to(local(ATHENS, 2030, 6, 1, 23, 0), tick=False)
    due = local(ATHENS, 2030, 6, 2, 0, 0)
    held = hold(due, NIGHT, ATHENS, start=local(ATHENS, 2030, 6, 2, 1, 0))
    assert held.due_at == timezone.now()
    assert "sent when planned" in held.note


def test_just_before_the_window_but_never_before_planning(time_machine):
    time_machine.move_to(local(ATHENS, 2030, 6, 1, 20, 59, 30), tick=False)
    held = hold(local(ATHENS, 2030, 6, 1, 23, 0), NIGHT, ATHENS, start=local(ATHENS, 2030, 6, 2, 0, 0))
    assert held.due_at == timezone.now()


def test_outside_the_window_nothing_moves(now):
    assert hold(local(ATHENS, 2030, 6, 1, 12, 0), NIGHT, ATHENS) is None


# --- whose zone --------------------------------------------------------------------------


def test_the_participants_own_zone_else_the_appointments():
    assert recipient_zone([{"timezone": "Asia/Tokyo"}], "Europe/Athens") == TOKYO
    assert recipient_zone([{}, {"timezone": "Asia/Tokyo"}], "Europe/Athens") == TOKYO
    for unusable in ({"timezone": "Mars/Olympus"}, {"timezone": "../etc/passwd"}, {"timezone": 3}, {}, None):
        assert recipient_zone([unusable], "Europe/Athens") == ATHENS
    assert recipient_zone([], "Not/AZone") == ZoneInfo("UTC")


# --- the examples of docs/notifications.md ("Quiet hours") ---------------------------------


@pytest.mark.parametrize(
    ("booked", "start", "period", "goes", "note"),
    [
        ((5, 30, 12), (6, 2, 10), timedelta(hours=12), (6, 2, 8, 0), "held for quiet hours"),
        ((5, 30, 12), (6, 2, 8), timedelta(hours=1), (6, 1, 20, 59), "sent before quiet hours"),
        ((6, 1, 22), (6, 1, 23, 30), timedelta(hours=1), (6, 1, 22, 0), "due in quiet hours"),
        ((5, 30, 12), (6, 2, 10), timedelta(days=1), None, None),
    ],
)
def test_the_documented_examples(time_machine, booked, start, period, goes, note):
    time_machine.move_to(local(ATHENS, 2030, *booked), tick=False)
    begins = local(ATHENS, 2030, *start)
    held = quiet_hold(due=begins - period, hours=NIGHT, zone=ATHENS, start=begins, now=timezone.now())
    if goes is None:
        assert held is None
    else:
        assert held.due_at == local(ATHENS, 2030, *goes) and held.note.startswith(note)
        assert "21:00–08:00 Europe/Athens" in held.note
