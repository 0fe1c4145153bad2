"""The project's admin next to the probe admin site of the scoping tests."""

from django.contrib import admin
from django.urls import path

from tests.admin.probe_site import site as probe_site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("probe-admin/", probe_site.urls),
]
