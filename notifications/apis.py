"""The document's /api/notifications operations (ROLE_ADMIN): sender verification, test sends, tags, locales.

Each is input serializer -> service or selector -> output. Templates and webhooks are in crud_apis.py,
deliveries and Twilio's callbacks in delivery_apis.py.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import format_duration
from core.api.schema import error_responses
from notifications import selectors, services
from notifications.models import Channel
from notifications.senders import services as senders
from notifications.serializers import (
    EmailNotificationRequestSerializer,
    EmailServiceRequestSerializer,
    NotificationLocalesSerializer,
    NotificationParameterTagsSerializer,
    ServiceConfirmationRequestSerializer,
    ServiceOTPVerifySerializer,
    SMSNotificationRequestSerializer,
    SMSServiceRequestSerializer,
    TagQuerySerializer,
)
from tenants.permissions import IsAdmin
from tenants.principal import request_principal

TAG = "notifications"


def admin_errors(*codes: int) -> dict:
    return error_responses(
        401,
        403,
        *codes,
        e400="BadRequest: the body is malformed; `fields` names what is wrong.",
        e403="Forbidden: the token lacks ROLE_ADMIN.",
        e409="StatusConflict: such a template already exists.",
    )


def _test_send(request, serializer_class, channel: str, *, to_field: str) -> Response:
    """emails/test and sms/test: render the body with a sample appointment and send it now."""
    data = validated(serializer_class, request)
    application = selectors.application_for_request(
        principal=request_principal(request), application_id=data["applicationId"]
    )
    services.notification_test_send(
        application=application,
        channel=channel,
        to=data[to_field],
        type=data["type"],
        locale=data["locale"],
        timezone_name=data["timezone"],
        period=data["period"],
        subject=data.get("subject", ""),
        text_body=data["textBody"],
        html_body=data.get("htmlBody", ""),
    )
    return Response(status=204)


class AdminApi(APIView):
    permission_classes = [IsAdmin]


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- the document's operations ---------------------------------------------------------


class EmailVerifyApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="initiateEmailServiceVerification",
        summary="Send a one-time code to verify an email sender domain",
        request=EmailServiceRequestSerializer,
        responses={200: ServiceOTPVerifySerializer, **admin_errors(400, 404, 502)},
    )
    def post(self, request):
        data = validated(EmailServiceRequestSerializer, request)
        application = selectors.application_for_request(
            principal=request_principal(request), application_id=data["applicationId"]
        )
        senders.sender_verification_start(
            application=application,
            channel=Channel.EMAIL,
            to=data["toEmail"],
            domain=data["domain"],
            from_name=data["fromName"],
        )
        return _otp_sent(application)


class EmailConfirmApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="confirmEmailServiceVerification",
        summary="Confirm the email sender with the one-time code",
        request=ServiceConfirmationRequestSerializer,
        responses={204: None, **admin_errors(400, 404)},
    )
    def post(self, request):
        return _confirm(request, Channel.EMAIL)


class EmailTestApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="testEmailNotification",
        summary="Render an email with a sample appointment and send it now",
        request=EmailNotificationRequestSerializer,
        responses={204: None, **admin_errors(400, 404, 502)},
    )
    def post(self, request):
        return _test_send(request, EmailNotificationRequestSerializer, Channel.EMAIL, to_field="toEmail")


class SmsVerifyApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="initiateSMSServiceVerification",
        summary="Send a one-time code to verify an SMS sender number",
        request=SMSServiceRequestSerializer,
        responses={200: ServiceOTPVerifySerializer, **admin_errors(400, 404, 502)},
    )
    def post(self, request):
        data = validated(SMSServiceRequestSerializer, request)
        application = selectors.application_for_request(
            principal=request_principal(request), application_id=data["applicationId"]
        )
        senders.sender_verification_start(
            application=application, channel=Channel.SMS, to=data["toNumber"], from_number=data["fromNumber"]
        )
        return _otp_sent(application)


class SmsConfirmApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="confirmSMSServiceVerification",
        summary="Confirm the SMS sender with the one-time code",
        request=ServiceConfirmationRequestSerializer,
        responses={204: None, **admin_errors(400, 404)},
    )
    def post(self, request):
        return _confirm(request, Channel.SMS)


class SmsTestApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="testSMSNotification",
        summary="Render an SMS with a sample appointment and send it now",
        request=SMSNotificationRequestSerializer,
        responses={204: None, **admin_errors(400, 404, 502)},
    )
    def post(self, request):
        return _test_send(request, SMSNotificationRequestSerializer, Channel.SMS, to_field="toNumber")


class TagListApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="getNotificationParameterTags",
        summary="Every template tag with an example at a fixed reference time",
        parameters=[
            OpenApiParameter(
                "locale", str, description="Locale of the examples (default en_US).", required=False
            )
        ],
        responses={200: NotificationParameterTagsSerializer, **admin_errors(400)},
    )
    def get(self, request):
        query = TagQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response({"content": selectors.tag_catalogue(locale=query.validated_data["locale"])})


class LocaleListApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="getNotificationLocales",
        summary="The locales templates can be written in",
        responses={200: NotificationLocalesSerializer, **admin_errors()},
    )
    def get(self, request):
        return Response({"content": selectors.locale_list(principal=request_principal(request))})


def _otp_sent(application) -> Response:
    valid_for = format_duration(settings.NOTIFICATIONS_VERIFICATION_TTL)
    return Response({"applicationId": str(application.pk), "validFor": valid_for})


def _confirm(request, channel: str) -> Response:
    data = validated(ServiceConfirmationRequestSerializer, request)
    application = selectors.application_for_request(
        principal=request_principal(request), application_id=data["applicationId"]
    )
    senders.sender_verification_confirm(application=application, channel=channel, code=data["code"])
    return Response(status=204)
