"""The delivery log (/api/notifications/deliveries/), Twilio's message-status callback and incoming SMS."""

import logging

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator

from core.errors import Forbidden, ServiceUnavailable
from notifications import selectors
from notifications.pipeline import feedback, replies
from notifications.serializers import DeliveryListQuerySerializer, DeliveryPageSerializer
from tenants.permissions import IsAdmin, IsSupervisor
from tenants.principal import request_principal

TAG = "notifications"
SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

logger = logging.getLogger(__name__)


class DeliveryListApi(APIView):
    permission_classes = [IsAdmin | IsSupervisor]

    @extend_schema(
        tags=[TAG],
        operation_id="findNotificationDeliveries",
        summary="Every notification queued for the token's application, newest due first",
        description=(
            "Paged like the appointment list. status is PENDING (also while being sent), SENT, FAILED or "
            "CANCELLED; lastError and cancelReason say why. ROLE_ADMIN or ROLE_SUPERVISOR."
        ),
        parameters=[DeliveryListQuerySerializer],
        responses={
            200: DeliveryPageSerializer,
            400: OpenApiResponse(description="BadRequest: a query parameter is invalid; `fields` names it."),
            401: OpenApiResponse(description="Unauthorized."),
            403: OpenApiResponse(description="Forbidden: the token lacks ROLE_ADMIN and ROLE_SUPERVISOR."),
        },
    )
    def get(self, request):
        serializer = DeliveryListQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        query = serializer.validated_data
        filters = selectors.DeliveryFilters(
            appointment_id=query.get("appointmentId"),
            type=query.get("type"),
            channel=query.get("channel"),
            status=query.get("status"),
            sort_field=query["sortField"],
            sort_order=query["sortOrder"],
            page_size=query["pageSize"],
            page_number=query["pageNumber"],
        )
        page = selectors.delivery_list(principal=request_principal(request), filters=filters)
        return Response(DeliveryPageSerializer(page).data)


def twilio_signed_params(request) -> dict[str, str]:
    """The form Twilio posted, once its X-Twilio-Signature is shown to match; else 403."""
    if not settings.TWILIO_AUTH_TOKEN:
        raise ServiceUnavailable("Twilio is not configured")
    try:
        params = {key: request.POST.get(key) for key in request.POST}
    except (UnsupportedMediaType, ParseError):
        # Twilio posts forms only: any other body is not Twilio's, and unsigned.
        raise Forbidden("the X-Twilio-Signature does not match") from None
    # Twilio signs the URL it was given, which is the public one, not what the proxy forwarded.
    url = f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    signature = request.META.get(SIGNATURE_HEADER, "")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature):
        raise Forbidden("the X-Twilio-Signature does not match")
    return params


class TwilioStatusApi(APIView):
    """Twilio posts each SMS's status changes here; only requests it signed are believed."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]

    @extend_schema(
        tags=[TAG],
        operation_id="twilioMessageStatus",
        summary="Twilio's message-status callback (signed with X-Twilio-Signature)",
        request={"application/x-www-form-urlencoded": {"type": "object"}},
        responses={204: None, 403: OpenApiResponse(description="Forbidden: the signature does not match.")},
    )
    def post(self, request):
        params = twilio_signed_params(request)
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        status = params.get("MessageStatus") or params.get("SmsStatus") or ""
        if sid and status:
            feedback.delivery_provider_status_record(
                provider_message_id=sid, status=status, error_code=params.get("ErrorCode") or ""
            )
        return Response(status=204)


class TwilioInboundApi(APIView):
    """Twilio posts every SMS sent to an application's number here (the number's "a message comes in")."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]

    @extend_schema(
        tags=[TAG],
        operation_id="twilioInboundMessage",
        summary="Twilio's incoming-message webhook: STOP, START and confirmation replies (signed)",
        description=(
            "Signed with X-Twilio-Signature like the status callback. Always answers an empty TwiML "
            "<Response/>, for numbers it does not know too: a help text, when due, goes out through the "
            "delivery pipeline (docs/notifications.md, Confirmation replies)."
        ),
        request={"application/x-www-form-urlencoded": {"type": "object"}},
        responses={
            (200, "text/xml"): OpenApiResponse(description="An empty TwiML response: Twilio sends nothing."),
            403: OpenApiResponse(description="Forbidden: the signature does not match."),
        },
    )
    def post(self, request):
        params = twilio_signed_params(request)
        outcome = replies.sms_reply_receive(
            to_number=params.get("To") or "",
            from_number=params.get("From") or "",
            body=params.get("Body") or "",
        )
        # The numbers and the text are personal data: the log says only what came of it.
        logger.info("sms reply: %s (%s)", outcome.result, outcome.reply)
        return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
