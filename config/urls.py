from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from appointments.urls import collection_without_slash
from calendars.views import short_link_page
from config.api_docs import redoc_view, swagger_ui_view
from core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_ui_view(), name="docs"),
    path("api/redoc/", redoc_view(), name="redoc"),
    *collection_without_slash,
    path("api/appointments/", include("appointments.urls")),
    path("api/notifications/", include("notifications.urls")),
    path("api/applications/", include("tenants.urls")),
    path("api/cal/", include("calendars.urls")),
    # Short signed links in messages (calendars/short_links.py): HTML pages, not the API.
    path("l/<str:token>", short_link_page, name="short-link"),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
