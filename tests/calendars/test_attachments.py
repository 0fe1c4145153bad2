"""The invitation attached to emails: METHOD, UID and SEQUENCE across an appointment's life."""

import json
from datetime import timedelta

import pytest
from django.db.models import F, TextChoices

from appointments.models import Appointment
from calendars.attachments import email_attachments
from calendars.ics import CalendarEvent
from tests.calendars.conftest import attendee_emails, parse


def _attached(appointment, notification_type):
    (attachment,) = email_attachments(appointment=appointment, notification_type=notification_type)
    filename, content, mimetype = attachment
    calendar, vevent = parse(content)
    return filename, mimetype, calendar, vevent


def _reschedule(appointment, *, by: timedelta) -> Appointment:
    """Move the appointment the way the appointments service does: new times, SEQUENCE + 1."""
    Appointment.objects.filter(pk=appointment.pk).update(
        start=F("start") + by, end=F("end") + by, sequence=F("sequence") + 1
    )
    return Appointment.objects.prefetch_related("participants").get(pk=appointment.pk)


@pytest.mark.parametrize("notification_type", ["CREATE", "UPDATE", "REMINDER", "ROOM"])
def test_request_for_everything_but_cancel(appointment, notification_type):
    filename, mimetype, calendar, vevent = _attached(appointment, notification_type)

    assert filename == "invite.ics"
    assert mimetype == "text/calendar; method=REQUEST; charset=UTF-8"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent["SEQUENCE"] == appointment.sequence
    assert attendee_emails(vevent) == {"alice@bank.example", "bobby@example.com"}


def test_create_reschedule_cancel_keep_the_uid_and_raise_the_sequence(appointment):
    _, _, _, created = _attached(appointment, "CREATE")

    moved = _reschedule(appointment, by=timedelta(days=1, hours=2))
    _, _, _, updated = _attached(moved, "UPDATE")

    moved_again = _reschedule(moved, by=timedelta(hours=1))
    _, _, _, updated_again = _attached(moved_again, "UPDATE")

    # The notification pipeline keeps a JSON snapshot; the row is then deleted.
    snapshot = json.loads(json.dumps(CalendarEvent.from_appointment(moved_again).to_dict()))
    moved_again.delete()
    assert not Appointment.objects.filter(pk=appointment.pk).exists()
    _, mimetype, cancel_calendar, cancelled = _attached(snapshot, "CANCEL")

    uids = {str(v["UID"]) for v in (created, updated, updated_again, cancelled)}
    assert uids == {f"{appointment.pk}@localhost"}
    sequences = [v["SEQUENCE"] for v in (created, updated, updated_again, cancelled)]
    assert sequences == [0, 1, 2, 3]
    assert updated["DTSTART"].dt == appointment.start + timedelta(days=1, hours=2)
    assert updated_again["DTSTART"].dt == appointment.start + timedelta(days=1, hours=3)
    assert mimetype == "text/calendar; method=CANCEL; charset=UTF-8"
    assert str(cancel_calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    # The cancellation names the same event: same times, same people.
    assert cancelled["DTSTART"].dt == updated_again["DTSTART"].dt
    assert attendee_emails(cancelled) == {"alice@bank.example", "bobby@example.com"}


def test_room_email_after_activation_carries_the_room_link_at_the_same_sequence(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(room_url="")
    before = Appointment.objects.get(pk=appointment.pk)
    _, _, _, created = _attached(before, "CREATE")
    Appointment.objects.filter(pk=appointment.pk).update(room_url="https://video.example.com/room/new")
    activated = Appointment.objects.get(pk=appointment.pk)

    _, _, _, room = _attached(activated, "ROOM")

    assert "LOCATION" not in created
    assert str(room["LOCATION"]) == "https://video.example.com/room/new"
    assert room["UID"] == created["UID"]
    assert room["SEQUENCE"] == created["SEQUENCE"]
    assert room["DTSTAMP"].dt >= created["DTSTAMP"].dt


def test_accepts_an_appointment_a_snapshot_or_its_dict_alike(appointment):
    event = CalendarEvent.from_appointment(appointment)

    forms = [appointment, event, event.to_dict()]
    vevents = [_attached(form, "UPDATE")[3] for form in forms]

    for vevent in vevents:
        assert str(vevent["UID"]) == event.uid
        assert vevent["DTSTART"].dt == appointment.start
        assert str(vevent["SUMMARY"]) == appointment.title


def test_accepts_a_text_choices_member_as_type(appointment):
    class NotificationType(TextChoices):
        CANCEL = "CANCEL"

    _, mimetype, calendar, _ = _attached(appointment, NotificationType.CANCEL)

    assert str(calendar["METHOD"]) == "CANCEL"
    assert "method=CANCEL" in mimetype


def test_unknown_types_get_no_attachment(appointment):
    assert email_attachments(appointment=appointment, notification_type="DIGEST") == []
