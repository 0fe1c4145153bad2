from django.urls import path

from calendars import apis

# The API document writes these paths without a trailing slash; links with one
# are served too (outside the schema, so it lists each operation once).
urlpatterns = [
    path("events/ical/<str:id>/event", apis.IcalEventApi.as_view(), name="calendar-ical-event"),
    path("events/ical/<str:id>/event/", apis.IcalEventApi.as_view(schema=None)),
    path(
        "events/google/<str:id>/event",
        apis.GoogleCalendarEventApi.as_view(),
        name="calendar-google-event",
    ),
    path("events/google/<str:id>/event/", apis.GoogleCalendarEventApi.as_view(schema=None)),
]
