"""One week of Acme's appointments and deliveries seen from Athens, for the dashboard's tests.

NOW is Wednesday 30 January 2030, 12:00 in Athens (10:00 UTC). Rows sit on both sides of
Athens' midnight, which is 22:00 UTC: a day in UTC is not a day of the dashboard.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from appointments.models import Appointment, InteractionState
from notifications.models import DeliveryChannel, DeliveryStatus
from participants.models import Confirmation, ParticipantState, ParticipantType
from tests.admin.deliveries import make_delivery
from tests.factories import AppointmentFactory, CustomerFactory, ParticipantFactory

NOW = datetime(2030, 1, 30, 10, 0, tzinfo=UTC)
ATHENS = ZoneInfo("Europe/Athens")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


@dataclass
class Seeded:
    appointments: dict[str, Appointment]


def _appointment(application, start, *, room=False, complete=False, no_show=False) -> Appointment:
    return AppointmentFactory(
        application=application,
        start=start,
        room_url=f"https://video.example/{start:%d%H%M}-{application.pk}" if room else "",
        interaction_state=InteractionState.COMPLETE if complete else InteractionState.PENDING,
        no_show_at=start + timedelta(minutes=30) if no_show else None,
    )


def seed(application, other_application) -> Seeded:
    a = {
        # 23:30 in Athens on the 30th; 00:30 on the 31st (still the 30th in UTC).
        "late": _appointment(application, utc(30, 21, 30)),
        "after_midnight": _appointment(application, utc(30, 22, 30), room=True),
        "ended": _appointment(application, utc(30, 8), complete=True),
        "no_show": _appointment(application, utc(30, 6), complete=True, no_show=True),
        "soon": _appointment(application, utc(30, 10, 30)),
        # 00:30 on the 30th in Athens, the 29th in UTC.
        "early": _appointment(application, utc(29, 22, 30), complete=True),
        "beyond": _appointment(application, datetime(2030, 2, 13, 8, tzinfo=UTC)),
        "last_week_no_show": _appointment(application, utc(22, 9), no_show=True),
        "last_week_ended": _appointment(application, utc(23, 9), complete=True),
    }
    CustomerFactory(appointment=a["late"], confirmation=Confirmation.CONFIRMED)
    CustomerFactory(appointment=a["after_midnight"], confirmation=Confirmation.DECLINED)
    CustomerFactory(appointment=a["ended"])
    CustomerFactory(
        appointment=a["soon"],
        confirmation=Confirmation.CONFIRMED,
        state=ParticipantState.WAITING,
        state_changed_at=NOW - timedelta(minutes=4),
    )
    # An agent waiting is not a customer waiting.
    ParticipantFactory(
        appointment=a["soon"],
        type=ParticipantType.AGENT,
        participant_id="agent-x",
        state=ParticipantState.WAITING,
    )

    make_delivery(
        a["ended"], channel=DeliveryChannel.EMAIL, status=DeliveryStatus.SENT, due_at=utc(29, 21, 30)
    )
    make_delivery(
        a["ended"], channel=DeliveryChannel.SMS, status=DeliveryStatus.FAILED, due_at=utc(29, 22, 30),
        recipient="+306912345678", last_error="21211 invalid 'To' number +306912345678",
    )  # fmt: skip
    make_delivery(
        a["no_show"], channel=DeliveryChannel.SMS, status=DeliveryStatus.FAILED, due_at=utc(30, 8),
        recipient="+306998765432", last_error="21211 invalid 'To' number +306998765432",
    )  # fmt: skip
    make_delivery(
        a["no_show"], channel=DeliveryChannel.EMAIL, status=DeliveryStatus.FAILED, due_at=utc(30, 7),
        last_error="550 <x@y.example>: no such user",
    )  # fmt: skip
    make_delivery(a["soon"], status=DeliveryStatus.PENDING, due_at=NOW - timedelta(minutes=15))
    make_delivery(a["late"], status=DeliveryStatus.PENDING, due_at=utc(30, 18))
    make_delivery(a["late"], status=DeliveryStatus.SENT, due_at=utc(16, 21))  # the 16th in Athens: too old

    # Globex, which Acme's supervisor must never count.
    theirs = _appointment(other_application, utc(30, 10, 15), no_show=True, complete=True)
    CustomerFactory(
        appointment=theirs, confirmation=Confirmation.CONFIRMED, state=ParticipantState.WAITING,
        state_changed_at=NOW - timedelta(hours=2),
    )  # fmt: skip
    make_delivery(
        theirs, channel=DeliveryChannel.SMS, status=DeliveryStatus.FAILED, due_at=utc(30, 9),
        last_error="30003 unreachable",
    )  # fmt: skip
    make_delivery(theirs, status=DeliveryStatus.PENDING, due_at=NOW - timedelta(hours=3))
    return Seeded(appointments=a)
