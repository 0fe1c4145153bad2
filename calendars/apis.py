"""Public calendar endpoints: an .ics download and a redirect to Google Calendar."""

from typing import cast

from django.http import HttpResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from calendars.google import event_template_url
from calendars.ics import CalendarEvent, build_ics
from calendars.selectors import appointment_get_for_calendar
from core.api.renderers import ORJSONRenderer
from core.api.schema import error_responses

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"

_ID = OpenApiParameter(
    "id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The appointment's id.",
)
_ERRORS = error_responses(
    400, 404, e400="The id is not a UUID.", e404="No appointment has this id (or it was deleted)."
)


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Ignore Accept: success bodies are fixed by the operation, errors are always JSON.

    A calendar app asking for `Accept: text/calendar` must get the file, not a
    406 because no DRF renderer speaks text/calendar.
    """

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PublicCalendarApi(APIView):
    """No authentication: the links travel in emails to people without tokens."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [ORJSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    def calendar_event(self, appointment_id: str) -> CalendarEvent:
        return CalendarEvent.from_appointment(appointment_get_for_calendar(appointment_id=appointment_id))


class IcalEventApi(PublicCalendarApi):
    @extend_schema(
        operation_id="getICalendarEvent",
        summary="Get iCalendar Event",
        description="The appointment as an RFC 5545 iCalendar file (one VEVENT with its VTIMEZONE).",
        tags=["calendar"],
        auth=[],
        parameters=[
            _ID,
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description='`attachment; filename="appointment-<id>.ics"`',
            ),
        ],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="The iCalendar file."),
            **_ERRORS,
        },
    )
    def get(self, request, id: str):
        event = self.calendar_event(id)
        response = HttpResponse(build_ics(event), content_type=ICS_CONTENT_TYPE)
        # Only a header that is neither an attachment nor named is None.
        response["Content-Disposition"] = cast(
            str,
            content_disposition_header(
                as_attachment=True, filename=f"appointment-{event.appointment_id}.ics"
            ),
        )
        # A reschedule changes the file: never let a cache serve the old times.
        add_never_cache_headers(response)
        return response


class GoogleCalendarEventApi(PublicCalendarApi):
    @extend_schema(
        operation_id="getGoogleCalendarEvent",
        summary="Get Google Calendar Event URL",
        description="Redirects to Google Calendar's new-event form, filled in with the appointment.",
        tags=["calendar"],
        auth=[],
        parameters=[
            _ID,
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[302],
                description="Google Calendar's event-template URL.",
            ),
        ],
        responses={302: OpenApiResponse(description="Found: go to Google Calendar."), **_ERRORS},
    )
    def get(self, request, id: str):
        response = HttpResponseRedirect(event_template_url(self.calendar_event(id)))
        add_never_cache_headers(response)
        return response
