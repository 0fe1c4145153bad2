"""The {{icsUrl}} and {{googleCalendarUrl}} links of notification templates."""

from django.test import override_settings

from calendars.links import google_calendar_url, ics_url


@override_settings(PUBLIC_BASE_URL="https://appointments.acme.example")
def test_links_are_absolute_under_the_public_base_url(appointment):
    assert (
        ics_url(appointment.pk)
        == f"https://appointments.acme.example/api/cal/events/ical/{appointment.pk}/event"
    )
    assert google_calendar_url(appointment.pk) == (
        f"https://appointments.acme.example/api/cal/events/google/{appointment.pk}/event"
    )


@override_settings(PUBLIC_BASE_URL="http://testserver")
def test_links_lead_to_the_endpoints(api_client, appointment):
    assert api_client.get(ics_url(appointment.pk)).status_code == 200
    assert api_client.get(google_calendar_url(appointment.pk)).status_code == 302
