"""Planning under quiet hours: reminders and room links wait, nothing else does.

The pipeline fixtures plan at 2030-03-04 09:00 UTC (10:00 in Berlin, the appointment's zone)
for an appointment starting a day later: REMINDER due 08:00 Berlin, ROOM 09:50 Berlin.
"""

from datetime import time, timedelta

import pytest

from appointments.services import appointment_delete, appointment_reschedule, appointment_update
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.quiet_hours import BEFORE_MARGIN
from participants.services import CustomerDetails
from tenants.application_settings import application_settings_update
from tests.notifications.pipeline.conftest import (
    CUSTOMER_EMAIL,
    CUSTOMER_PHONE,
    REMINDER_PERIOD,
    ROOM_PERIOD,
    START,
)

pytestmark = pytest.mark.usefixtures("now")


def quiet(application, start: time, end: time) -> None:
    """Set quiet hours through the settings service; the fixtures' application object sees them."""
    application_settings_update(
        application=application, values={"quiet_hours_start": start, "quiet_hours_end": end}
    )
    application.refresh_from_db()


def by_kind(appointment, **filters) -> dict[tuple[str, str], Delivery]:
    rows = Delivery.objects.filter(appointment_id=appointment.pk, **filters)
    return {(row.type, row.channel): row for row in rows}


def assert_not_held(row: Delivery, due) -> None:
    assert (row.due_at, row.original_due_at, row.due_note) == (due, None, "")


def test_a_reminder_inside_quiet_hours_waits_for_their_end(templates, schedule, notifying):
    quiet(notifying, time(21), time(8, 30))  # the reminder's 08:00 in Berlin is inside

    rows = by_kind(schedule())

    for channel in ("EMAIL", "SMS"):
        reminder = rows[("REMINDER", channel)]
        assert reminder.original_due_at == START - REMINDER_PERIOD
        assert reminder.due_at == START - timedelta(minutes=90)  # 08:30 Berlin
        assert reminder.due_note == "held for quiet hours 21:00–08:30 Europe/Berlin"
        assert_not_held(rows[("ROOM", channel)], START - ROOM_PERIOD)  # 09:50 Berlin is outside


def test_create_and_webhooks_are_never_held_and_reminders_go_before_a_night_that_outlasts_the_start(
    templates, schedule, notifying, hook_endpoint, now
):
    # 21:00–11:00 Berlin: now (10:00) is inside, and so are the reminder (08:00) and room link (09:50)
    # of tomorrow's 10:00 appointment; the night ends after it starts, so they go the evening before.
    quiet(notifying, time(21), time(11))

    appointment = schedule()
    rows = by_kind(appointment)

    for channel in ("EMAIL", "SMS"):
        assert_not_held(rows[("CREATE", channel)], now)
        for type, period in (("REMINDER", REMINDER_PERIOD), ("ROOM", ROOM_PERIOD)):
            row = rows[(type, channel)]
            assert row.due_at == START - timedelta(hours=13) - BEFORE_MARGIN  # 20:59 Berlin tonight
            assert row.original_due_at == START - period
            assert (
                row.due_note == "sent before quiet hours 21:00–11:00 Europe/Berlin: they end after the start"
            )
            assert row.due_at < appointment.start
    hooks = by_kind(appointment, channel=DeliveryChannel.WEBHOOK)
    assert_not_held(hooks[("CREATE", "WEBHOOK")], now)
    assert_not_held(hooks[("REMINDER", "WEBHOOK")], START - REMINDER_PERIOD)


def test_update_and_cancel_are_never_held(templates, schedule, notifying, hook_endpoint, now):
    appointment = schedule()
    quiet(notifying, time(9), time(12))  # now, 10:00 Berlin, is inside

    appointment_update(appointment=appointment, title="Pension advice")
    updates = Delivery.objects.filter(appointment_id=appointment.pk, type="UPDATE")
    assert updates.count() == 3
    for row in updates:
        assert_not_held(row, now)

    appointment_delete(appointment=appointment)
    cancels = Delivery.objects.filter(appointment_id=appointment.pk, type="CANCEL")
    assert cancels.count() == 3
    for row in cancels:
        assert_not_held(row, now)


def test_the_participants_own_zone_comes_before_the_appointments(templates, schedule, notifying):
    # 21:00–08:30 holds 08:00 in Berlin, but in Tokyo the reminder is due at 16:00.
    quiet(notifying, time(21), time(8, 30))
    customer = CustomerDetails(
        first_name="Kenji", email=CUSTOMER_EMAIL, phone=CUSTOMER_PHONE, metadata={"timezone": "Asia/Tokyo"}
    )
    assert_not_held(by_kind(schedule(customer=customer))[("REMINDER", "EMAIL")], START - REMINDER_PERIOD)

    # 15:00–17:00 holds 16:00 in Tokyo (07:00 UTC) until 17:00 Tokyo (08:00 UTC).
    quiet(notifying, time(15), time(17))
    reminder = by_kind(schedule(customer=customer))[("REMINDER", "SMS")]
    assert reminder.due_at == START - timedelta(hours=1)
    assert reminder.due_note == "held for quiet hours 15:00–17:00 Asia/Tokyo"


def test_an_unknown_participant_zone_falls_back_to_the_appointments(templates, schedule, notifying):
    quiet(notifying, time(21), time(8, 30))
    customer = CustomerDetails(
        first_name="Bo", email=CUSTOMER_EMAIL, metadata={"timezone": "Atlantis/Capital"}
    )
    reminder = by_kind(schedule(customer=customer))[("REMINDER", "EMAIL")]
    assert reminder.due_note == "held for quiet hours 21:00–08:30 Europe/Berlin"


def test_rescheduling_recomputes_from_the_new_start(templates, schedule, notifying):
    quiet(notifying, time(21), time(8, 30))
    appointment = schedule()

    new_start = START + timedelta(hours=5)  # 15:00 Berlin: reminder at 13:00, outside
    appointment_reschedule(
        appointment=appointment, start=new_start, duration=appointment.duration, timezone="Europe/Berlin"
    )
    open_rows = by_kind(appointment, status=DeliveryStatus.PENDING, type="REMINDER")
    assert_not_held(open_rows[("REMINDER", "EMAIL")], new_start - REMINDER_PERIOD)

    appointment.refresh_from_db()
    back = START - timedelta(minutes=15)  # 09:45 Berlin: reminder at 07:45, held until 08:30
    appointment_reschedule(
        appointment=appointment, start=back, duration=appointment.duration, timezone="Europe/Berlin"
    )
    reminder = by_kind(appointment, status=DeliveryStatus.PENDING, type="REMINDER")[("REMINDER", "SMS")]
    assert reminder.original_due_at == back - REMINDER_PERIOD
    assert reminder.due_at == START - timedelta(minutes=90)
    cancelled = Delivery.objects.filter(appointment_id=appointment.pk, type="REMINDER", status="CANCELLED")
    assert cancelled.count() == 4


def test_a_reminder_whose_time_passed_is_held_from_now_until_the_end(templates, schedule, notifying, now):
    quiet(notifying, time(9, 30), time(10, 5))  # now is 10:00 Berlin
    appointment = schedule(start=now + timedelta(hours=1))  # the two-hour reminder is late: due now

    reminder = by_kind(appointment)[("REMINDER", "EMAIL")]
    assert reminder.original_due_at == now
    assert reminder.due_at == now + timedelta(minutes=5)


def test_a_night_covering_everything_before_the_start_never_moves_a_row_into_the_past(
    templates, schedule, notifying, now, django_capture_on_commit_callbacks
):
    quiet(notifying, time(9, 30), time(12))  # now is 10:00 Berlin; the appointment starts at 11:00
    with django_capture_on_commit_callbacks() as callbacks:
        appointment = schedule(start=now + timedelta(hours=1))

    for type in ("REMINDER", "ROOM"):
        row = by_kind(appointment)[(type, "SMS")]
        assert row.due_at == now and row.due_at <= row.original_due_at < appointment.start
        assert "sent when planned" in row.due_note
    assert callbacks  # due now: handed to a worker when the booking commits


def test_without_quiet_hours_nothing_is_held(templates, schedule):
    for row in Delivery.objects.filter(appointment_id=schedule().pk):
        assert row.original_due_at is None and row.due_note == ""


def test_held_rows_show_in_the_deliveries_api(templates, schedule, notifying, admin_client):
    quiet(notifying, time(21), time(8, 30))
    schedule()

    body = admin_client.get("/api/notifications/deliveries/", {"type": "REMINDER", "channel": "EMAIL"}).json()
    (reminder,) = body["content"]
    assert reminder["dueAt"] == "2030-03-05T07:30:00Z"
    assert reminder["originalDueAt"] == "2030-03-05T07:00:00Z"
    assert reminder["dueNote"] == "held for quiet hours 21:00–08:30 Europe/Berlin"
    create = admin_client.get("/api/notifications/deliveries/", {"type": "CREATE", "channel": "EMAIL"}).json()
    assert create["content"][0]["originalDueAt"] is None and create["content"][0]["dueNote"] == ""


def test_held_rows_show_in_the_console(templates, schedule, notifying, client, django_user_model):
    quiet(notifying, time(21), time(8, 30))
    appointment = schedule()
    reminder = by_kind(appointment)[("REMINDER", "EMAIL")]
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))

    listing = client.get("/admin/notifications/delivery/").content.decode()
    # The console shows UTC here: held from 07:00 to 08:30 Berlin (07:30 UTC).
    assert "column-held" in listing
    assert (
        '<td class="field-held">March 5, 2030, 7 a.m. (held for quiet hours 21:00–08:30 Europe/Berlin)</td>'
        in listing
    )
    assert listing.count("(held for quiet hours") == 2  # the email and the SMS reminder, nothing else

    page = client.get(f"/admin/notifications/delivery/{reminder.pk}/change/").content.decode()
    assert "Original due at" in page and "March 5, 2030, 7 a.m." in page
    assert "Due note" in page and "held for quiet hours 21:00–08:30 Europe/Berlin" in page
    assert reminder.due_at == reminder.original_due_at + timedelta(minutes=30)
