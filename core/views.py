from django.http import HttpRequest, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health
from core.api.exceptions import error_response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, 503 otherwise (core.health.ProbeMiddleware answers first)."""
    return health.healthz(request)


def not_found(request: HttpRequest, exception=None):
    if request.path.startswith("/api/"):
        return error_response(404, f"no resource at {request.path}")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest):
    if request.path.startswith("/api/"):
        return error_response(500, "An unexpected error occurred.")
    return defaults.server_error(request)
