"""Deliveries per day, channel and status: the delivery chart of the console's dashboard.

One query over the (application, due_at) index. A delivery counts on the day it was
due, in the supervisor's zone: the day the delivery log's date hierarchy files it
under, so a bar and the list it links to hold the same rows.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import Count
from django.db.models.functions import TruncDate

from notifications.models import Delivery, DeliveryChannel, DeliveryStatus

CHANNELS = tuple(DeliveryChannel.values)
STATUSES = tuple(DeliveryStatus.values)


@dataclass(frozen=True)
class ChannelDay:
    channel: str
    day: date
    counts: dict[str, int]  # every status of DeliveryStatus, zero included


def deliveries_per_day(
    *, application_ids: Collection[uuid.UUID], first_day: date, days: int, zone: tzinfo
) -> dict[str, list[ChannelDay]]:
    """For each channel, the deliveries due on each of `days` days from `first_day`, by status."""
    since = datetime.combine(first_day, time.min, tzinfo=zone)
    until = datetime.combine(first_day + timedelta(days=days), time.min, tzinfo=zone)
    rows = (
        Delivery.objects.filter(application__in=application_ids, due_at__gte=since, due_at__lt=until)
        .annotate(day=TruncDate("due_at", tzinfo=zone))
        .values("channel", "day", "status")
        .annotate(rows=Count("id"))
        .order_by()
    )
    counts = {
        (channel, first_day + timedelta(days=n)): dict.fromkeys(STATUSES, 0)
        for channel in CHANNELS
        for n in range(days)
    }
    for row in rows:
        counts[(row["channel"], row["day"])][row["status"]] += row["rows"]
    return {
        channel: [
            ChannelDay(channel=channel, day=day, counts=states)
            for (row_channel, day), states in counts.items()
            if row_channel == channel
        ]
        for channel in CHANNELS
    }
