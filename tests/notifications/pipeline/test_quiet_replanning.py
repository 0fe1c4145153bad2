"""Changing quiet hours moves the reminders and room links already waiting, from their unadjusted time.

As in test_quiet_planning: planned at 2030-03-04 09:00 UTC, the appointment starts a day later at
10:00 Berlin; its REMINDER is due at 08:00 Berlin (07:00 UTC), its ROOM link at 09:50 Berlin.
"""

from datetime import time, timedelta

import pytest

from notifications.models import Delivery, DeliveryStatus
from notifications.pipeline.quiet_replanning import deliveries_quiet_replan
from tenants.application_settings import application_settings_update
from tests.factories import ApplicationFactory
from tests.notifications.pipeline.conftest import REMINDER_PERIOD, ROOM_PERIOD, START

pytestmark = pytest.mark.usefixtures("now")
SETTINGS = "/api/applications/settings"
UNADJUSTED = START - REMINDER_PERIOD


def set_quiet(application, start: time | None, end: time | None) -> None:
    application_settings_update(
        application=application, values={"quiet_hours_start": start, "quiet_hours_end": end}
    )
    application.refresh_from_db()


def timing(appointment, type: str = "REMINDER", channel: str = "EMAIL"):
    row = Delivery.objects.get(appointment_id=appointment.pk, type=type, channel=channel)
    return row.due_at, row.original_due_at, row.due_note


def test_turning_quiet_hours_on_changing_and_off_again_moves_waiting_reminders(
    templates, schedule, notifying, hook_endpoint
):
    appointment = schedule()
    assert timing(appointment) == (UNADJUSTED, None, "")

    set_quiet(notifying, time(21), time(8, 30))
    held = (START - timedelta(minutes=90), UNADJUSTED, "held for quiet hours 21:00–08:30 Europe/Berlin")
    assert timing(appointment) == held
    assert timing(appointment, channel="SMS") == held
    assert timing(appointment, type="ROOM") == (START - ROOM_PERIOD, None, "")
    assert timing(appointment, channel="WEBHOOK") == (UNADJUSTED, None, "")

    # A longer night: still measured from the unadjusted 07:00 UTC, which it keeps as the original.
    set_quiet(notifying, time(21), time(10, 30))
    night = (
        START - timedelta(hours=13, minutes=1),
        "sent before quiet hours 21:00–10:30 Europe/Berlin: they end after the start",
    )
    for type, period in (("REMINDER", REMINDER_PERIOD), ("ROOM", ROOM_PERIOD)):
        assert timing(appointment, type=type) == (night[0], START - period, night[1])

    set_quiet(notifying, None, None)
    assert timing(appointment) == (UNADJUSTED, None, "")
    assert timing(appointment, type="ROOM") == (START - ROOM_PERIOD, None, "")


def test_the_settings_endpoint_moves_them_too(templates, schedule, notifying, client_for):
    appointment = schedule()
    admin = client_for("ROLE_ADMIN", user_id="admin-1")

    response = admin.patch(SETTINGS, {"quietHours": {"start": "21:00", "end": "08:30"}}, format="json")

    assert response.status_code == 200
    assert timing(appointment)[1:] == (UNADJUSTED, "held for quiet hours 21:00–08:30 Europe/Berlin")


def test_rows_claimed_retrying_or_of_another_application_stay(templates, schedule, notifying):
    appointment = schedule()
    rows = Delivery.objects.filter(appointment_id=appointment.pk, type="REMINDER")
    rows.filter(channel="EMAIL").update(status=DeliveryStatus.CLAIMED)
    rows.filter(channel="SMS").update(attempts=1)
    # The room links now belong to another application: this one's change is none of theirs.
    Delivery.objects.filter(appointment_id=appointment.pk, type="ROOM").update(
        application=ApplicationFactory(notifications_active=True)
    )

    set_quiet(notifying, time(21), time(9, 55))  # would hold both the reminders and the room links

    assert timing(appointment) == (UNADJUSTED, None, "")
    assert timing(appointment, channel="SMS") == (UNADJUSTED, None, "")
    assert timing(appointment, type="ROOM") == (START - ROOM_PERIOD, None, "")
    rows.filter(channel="SMS").update(attempts=0)
    assert deliveries_quiet_replan(application=notifying) == 1  # the same call moves the SMS once it may
    assert timing(appointment, channel="SMS")[0] == START - timedelta(minutes=5)


def test_an_appointment_that_has_begun_is_left_to_the_sender(templates, schedule, notifying, time_machine):
    appointment = schedule()
    time_machine.move_to(START + timedelta(minutes=1), tick=False)
    set_quiet(notifying, time(0), time(23))
    assert timing(appointment) == (UNADJUSTED, None, "")


def test_reads_stay_constant_however_many_appointments_wait(
    templates, schedule, notifying, django_assert_max_num_queries
):
    for hour in range(5):
        schedule(start=START + timedelta(hours=hour))
    set_quiet(notifying, time(21), time(8, 30))
    notifying.quiet_hours_end = time(8, 45)
    notifying.save(update_fields=["quiet_hours_end"])

    # Three reads (rows, appointments, participants) and one conditional update per moved row:
    # only the first appointment's two reminders (08:00 Berlin) are inside the night.
    with django_assert_max_num_queries(3 + 2):
        assert deliveries_quiet_replan(application=notifying) == 2
