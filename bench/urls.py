"""The service's own URLs plus the framework floor: one appointment as JSON from a plain Django view."""

from django.http import JsonResponse
from django.urls import include, path

from appointments.models import Appointment
from participants.models import Participant

APPOINTMENT_FIELDS = [
    "id", "application_id", "organizer_id", "organizer_type", "title", "notes", "metadata",
    "notification_headers", "locale", "timezone", "start", "duration", "end", "notifications_active",
    "interaction_state", "routing_type", "routing_properties", "custom_fields", "room_url",
]  # fmt: skip


def bare_appointment(request, id):
    """The same appointment the API returns, read and encoded with no DRF, no JWT and no permissions."""
    row = Appointment.objects.filter(pk=id).values(*APPOINTMENT_FIELDS).first()
    if row is None:
        return JsonResponse({"message": "not found"}, status=404)
    row["participants"] = list(
        Participant.objects.filter(appointment_id=id)
        .order_by("created_at", "id")
        .values("participant_id", "state", "type")
    )
    row["duration"] = row["duration"].total_seconds()
    return JsonResponse(row)


urlpatterns = [
    path("bench/bare/<uuid:id>", bare_appointment),
    path("", include("config.urls")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
