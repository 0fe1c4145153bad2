"""The error envelope for what Django, not the API, answers under /api/.

DRF's exception handler covers the API's own views. Around them Django answers by
itself: an unknown path (with DEBUG on, its technical 404 page, whatever `handler404`
says), a 405 from a view that renders HTML or YAML (Swagger UI's page, the schema), and
DEBUG's technical 500 page. This middleware gives those the envelope too.
"""

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from core.api.exceptions import error_response

# Headers of the replaced answer that tell the client what to do next.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiErrorEnvelopeMiddleware:
    """Turn any 4xx/5xx under /api/ that is not JSON into the JSON error envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path_info.startswith("/api/") and response.status_code >= 400 and not _is_json(response):
            return _enveloped(request, response)
        return response


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


def _message(request: HttpRequest, status: int) -> str:
    if status == 404:
        return f"no resource at {request.path}"
    if status == 405:
        return f'Method "{request.method}" not allowed.'
    if status >= 500:
        return "An unexpected error occurred."  # never what DEBUG's page would have shown
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _enveloped(request: HttpRequest, response: HttpResponseBase) -> HttpResponse:
    enveloped = error_response(response.status_code, _message(request, response.status_code))
    for header in _KEPT_HEADERS:
        if response.has_header(header):
            enveloped[header] = response[header]
    return enveloped
