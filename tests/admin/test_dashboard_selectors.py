"""The dashboard's figures on seeded rows: days and weeks of the supervisor's zone, one tenant's rows only."""

from datetime import date, timedelta

import pytest

from appointments.dashboard import (
    appointments_per_day,
    appointments_starting,
    customers_waiting,
    weekly_rates,
)
from appointments.statuses import ACTIVATED, COMPLETED, NO_SHOW, SCHEDULED
from notifications.delivery_stats import deliveries_per_day
from notifications.pipeline_status import backlog_lines, failure_reasons, oldest_due
from tests.admin.dashboard_data import ATHENS, NOW, seed, utc

pytestmark = pytest.mark.django_db

TODAY = date(2030, 1, 30)


@pytest.fixture
def acme(application, other_application):
    seed(application, other_application)
    return [application.pk]


def test_appointments_per_day_count_by_state_on_the_days_of_the_zone(acme):
    days = appointments_per_day(application_ids=acme, first_day=TODAY, days=14, zone=ATHENS)

    assert [d.day for d in days] == [TODAY + timedelta(days=n) for n in range(14)]
    assert days[0].counts == {SCHEDULED: 2, ACTIVATED: 0, COMPLETED: 2, NO_SHOW: 1}
    assert days[1].counts == {SCHEDULED: 0, ACTIVATED: 1, COMPLETED: 0, NO_SHOW: 0}
    # The 13 Feb appointment is the fifteenth day: outside.
    assert sum(d.total for d in days) == 6


def test_deliveries_per_day_by_channel_and_status(acme):
    per_channel = deliveries_per_day(application_ids=acme, first_day=date(2030, 1, 17), days=14, zone=ATHENS)

    email = {d.day: {k: v for k, v in d.counts.items() if v} for d in per_channel["EMAIL"]}
    sms = {d.day: {k: v for k, v in d.counts.items() if v} for d in per_channel["SMS"]}
    assert email[date(2030, 1, 29)] == {"SENT": 1}  # 23:30 in Athens
    assert email[TODAY] == {"FAILED": 1, "PENDING": 2}
    assert sms[TODAY] == {"FAILED": 2}  # one of them 00:30 in Athens, the 29th in UTC
    assert sum(sum(d.counts.values()) for d in per_channel["WEBHOOK"]) == 0
    # The 16th (23:00 in Athens) is before the window, Globex's SMS never in it.
    assert sum(sum(d.counts.values()) for days in per_channel.values() for d in days) == 6


def test_failure_reasons_merge_the_same_refusal_to_different_people(acme):
    lines = failure_reasons(application_ids=acme, due_since=utc(16, 22), due_until=utc(30, 22), limit=5)

    assert [(line.channel, line.reason, line.rows) for line in lines] == [
        ("SMS", "21211 invalid 'To' number [phone]", 2),
        ("EMAIL", "550 <[email]>: no such user", 1),
    ]
    assert (
        failure_reasons(application_ids=acme, due_since=utc(16, 22), due_until=utc(30, 22), limit=1)
        == lines[:1]
    )


def test_weekly_rates(acme):
    weeks = weekly_rates(application_ids=acme, last_monday=date(2030, 1, 28), weeks=3, zone=ATHENS, now=NOW)

    assert [w.monday for w in weeks] == [date(2030, 1, 14), date(2030, 1, 21), date(2030, 1, 28)]
    empty, last, this = weeks
    assert empty.no_show_rate is None and empty.confirmation_rate is None
    assert (last.ended, last.no_shows, last.no_show_rate) == (2, 1, 0.5)
    assert last.confirmation_rate is None  # no customer in it
    # Ended by 10:00 UTC: 08:00, 06:00 and the 00:30 appointment; "soon" and the evening ones not yet.
    assert (this.ended, this.no_shows) == (3, 1)
    assert (this.customers, this.confirmed, this.declined, this.confirmation_rate) == (4, 2, 1, 0.5)


def test_right_now(acme):
    waiting = customers_waiting(application_ids=acme)
    assert (waiting.customers, waiting.since) == (1, NOW - timedelta(minutes=4))
    assert appointments_starting(application_ids=acme, since=NOW, until=NOW + timedelta(hours=1)) == 1
    assert sum(line.due for line in backlog_lines(now=NOW, application_ids=acme, due_only=True)) == 1
    oldest = oldest_due(now=NOW, application_ids=acme)
    assert oldest is not None and oldest.age_seconds == 15 * 60


def test_another_application_is_counted_only_for_its_own(acme, other_application):
    theirs = [other_application.pk]
    assert customers_waiting(application_ids=theirs).customers == 1
    assert (
        appointments_per_day(application_ids=theirs, first_day=TODAY, days=1, zone=ATHENS)[0].counts[NO_SHOW]
        == 1
    )
    assert oldest_due(now=NOW, application_ids=theirs).age_seconds == 3 * 3600
    assert customers_waiting(application_ids=[]).customers == 0
