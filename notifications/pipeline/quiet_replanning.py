"""When an application changes its quiet hours, its waiting reminders and room links follow.

Subscribed to tenants' APPLICATION_SETTINGS_CHANGED (NotificationsConfig.ready), so it runs
in the settings update's transaction. Every REMINDER and ROOM email or SMS of the
application that no attempt has touched yet is planned again from the time it would have
had without quiet hours (`original_due_at`, else `due_at`) by the same rule planning uses
(`quiet_hours.quiet_hold`): held, moved, or put back where it was.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from appointments.models import Appointment
from notifications.models import TIMED_TYPES, Delivery, DeliveryChannel, DeliveryStatus
from notifications.pipeline.quiet_hours import QuietHours, quiet_hold, recipient_zone
from participants.models import Participant
from tenants.application_settings import ApplicationSettingsChanged, quiet_hours
from tenants.models import Application

QUIET_FIELDS = ("quiet_hours_start", "quiet_hours_end")


def deliveries_quiet_replan_for_settings(event: ApplicationSettingsChanged) -> None:
    """The APPLICATION_SETTINGS_CHANGED handler: replan only when the quiet hours changed."""
    if any(name in event.previous for name in QUIET_FIELDS):
        deliveries_quiet_replan(application=event.application)


def deliveries_quiet_replan(*, application: Application) -> int:
    """Apply the quiet hours as they are now to the waiting timed rows; return how many moved."""
    now = timezone.now()
    window = quiet_hours(application)
    hours = QuietHours(*window) if window is not None else None
    rows = list(
        Delivery.objects.filter(
            application=application,
            status=DeliveryStatus.PENDING,
            attempts=0,  # a row waiting for a retry keeps its backoff
            type__in=TIMED_TYPES,
            channel__in=(DeliveryChannel.EMAIL, DeliveryChannel.SMS),
        ).only(
            "id",
            "appointment_id",
            "participant_ids",
            "participant_id",
            "due_at",
            "original_due_at",
            "due_note",
        )
    )
    if not rows:
        return 0
    appointment_ids = {row.appointment_id for row in rows}
    appointments = {
        appointment.pk: appointment
        for appointment in Appointment.objects.filter(pk__in=appointment_ids).only("id", "start", "timezone")
    }
    metadata = {
        (participant.appointment_id, participant.participant_id): participant.metadata
        for participant in Participant.objects.filter(appointment_id__in=appointment_ids).only(
            "appointment_id", "participant_id", "metadata"
        )
    }
    moved = 0
    for row in rows:
        appointment = appointments.get(row.appointment_id)
        if appointment is None or appointment.start <= now:
            continue  # the sender settles rows of appointments that are gone or have begun
        served = [
            metadata.get((appointment.pk, pid)) for pid in (row.participant_ids or [row.participant_id])
        ]
        moved += _replan(row, appointment, hours, recipient_zone(served, appointment.timezone), now)
    return moved


def _replan(
    row: Delivery, appointment: Appointment, hours: QuietHours | None, zone: ZoneInfo, now: datetime
) -> int:
    base = row.original_due_at or row.due_at
    hold = None
    if hours is not None:
        hold = quiet_hold(due=max(base, now), hours=hours, zone=zone, start=appointment.start, now=now)
    due_at, original, note = (hold.due_at, base, hold.note) if hold is not None else (base, None, "")
    if (row.due_at, row.original_due_at, row.due_note) == (due_at, original, note):
        return 0
    # Conditional: a row a tick has claimed meanwhile is left to its worker.
    return Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING, attempts=0).update(
        due_at=due_at, original_due_at=original, due_note=note, updated_at=now
    )
