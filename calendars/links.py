"""Absolute links to an appointment's calendar endpoints, for notifications."""

from django.conf import settings


def ics_url(appointment_id) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/cal/events/ical/{appointment_id}/event"


def google_calendar_url(appointment_id) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/cal/events/google/{appointment_id}/event"
