"""config.urls plus the line the lead adds there for /api/appointments without its slash."""

from appointments.urls import collection_without_slash
from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*collection_without_slash, *project_urlpatterns]
