"""One error envelope for every 4xx/5xx under /api/ (CONTRACT.md section 4)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.api.limits import body_limit
from core.errors import DomainError

logger = logging.getLogger(__name__)

ERROR_WORDS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "StatusNotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "StatusConflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
}


def error_body(status_code: int, message: str, fields: dict | None = None) -> dict:
    body = {"status": status_code, "error": ERROR_WORDS.get(status_code, "Error"), "message": message}
    if fields:
        body["fields"] = fields
    return body


def error_response(status_code: int, message: str, fields: dict | None = None) -> JsonResponse:
    """A plain Django response in the envelope, for views outside DRF."""
    return JsonResponse(error_body(status_code, message, fields), status=status_code)


def too_large_message() -> str:
    """The 413 message for a body over API_MAX_BODY_BYTES, naming the limit."""
    return f"request body larger than the limit of {body_limit()} bytes"


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"customer.contact.primaryEmail": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" and prefix else (f"{prefix}.{key}" if prefix else key)
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            for field, messages in flatten_errors(item, f"{prefix}[{index}]").items():
                flat.setdefault(field, []).extend(messages)
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def _summary(fields: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {messages[0]}" for name, messages in fields.items())


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.status, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # A body longer than its Content-Length said (ASGI), found only when read;
        # core.api.body_size refuses the others before authentication.
        set_rollback()
        return Response(error_body(413, too_large_message()), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers: dict[str, str] = {}
        # DRF sets auth_header on authentication failures; Throttled carries wait.
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
        if isinstance(exc, exceptions.ValidationError):
            fields = flatten_errors(exc.detail)
            return Response(error_body(400, _summary(fields), fields), status=400, headers=headers)
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if isinstance(exc.detail, dict):
            message = str(exc.detail.get("detail", exc.default_detail))
        return Response(error_body(exc.status_code, message), status=exc.status_code, headers=headers)

    # Anything else is a bug: keep the traceback in the log, never in the response.
    set_rollback()
    request = context.get("request")
    logger.error(
        "Unhandled error on %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return Response(
        error_body(500, "An unexpected error occurred."), status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )
