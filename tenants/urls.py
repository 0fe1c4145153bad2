"""Routes under /api/applications/."""

from django.urls import path

from tenants.apis import ApplicationSettingsApi

urlpatterns = [
    path("settings", ApplicationSettingsApi.as_view(), name="application-settings"),
    path("settings/", ApplicationSettingsApi.as_view(schema=None)),
]
