"""Refuse oversized /api/ bodies before any view, and so before authentication, does work."""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from core.api.exceptions import error_response, too_large_message
from core.api.limits import body_limit


class ApiBodyLimitMiddleware:
    """413 in the error envelope for an /api/ body over API_MAX_BODY_BYTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") and _too_large(request):
            return error_response(413, too_large_message())
        return self.get_response(request)


def _too_large(request: HttpRequest) -> bool:
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            return int(declared) > body_limit()
        except ValueError:
            return False  # Django reads a body of unreadable length as empty
    if "HTTP_TRANSFER_ENCODING" not in request.META:
        return False
    # A chunked body states no length. Under ASGI the server has handed Django all of
    # it, and reading it measures it against DATA_UPLOAD_MAX_MEMORY_SIZE (= the limit);
    # under WSGI Django reads no more than Content-Length, so none of it.
    try:
        request.body  # noqa: B018 (read for its size check)
    except RequestDataTooBig:
        return True
    return False
