"""Absolute links to an appointment's calendar endpoints, for notifications."""

from django.conf import settings
from django.urls import reverse


def ics_url(appointment_id) -> str:
    """The {{icsUrl}} of notification templates: the .ics download."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('calendar-ical-event', kwargs={'id': appointment_id})}"


def google_calendar_url(appointment_id) -> str:
    """The {{googleCalendarUrl}} of notification templates: the redirect to Google Calendar."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('calendar-google-event', kwargs={'id': appointment_id})}"
