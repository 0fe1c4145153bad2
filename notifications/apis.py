"""The /api/notifications endpoints: input serializer -> service or selector -> output (ROLE_ADMIN)."""

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
    NotificationTemplateInputSerializer,
    NotificationTemplateListSerializer,
    NotificationTemplateSerializer,
    ServiceConfirmationRequestSerializer,
    ServiceOTPVerifySerializer,
    SMSNotificationRequestSerializer,
    SMSServiceRequestSerializer,
    TagQuerySerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointListSerializer,
    WebhookEndpointSerializer,
)
from tenants.permissions import IsAdmin

TAG = "notifications"


def _errors(*codes: int) -> dict:
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
    data = _valid(serializer_class, request)
    application = selectors.application_for_request(
        principal=request.user, application_id=data["applicationId"]
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


def _valid(serializer_class, request, **kwargs) -> dict:
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
        responses={200: ServiceOTPVerifySerializer, **_errors(400, 404, 502)},
    )
    def post(self, request):
        data = _valid(EmailServiceRequestSerializer, request)
        application = selectors.application_for_request(
            principal=request.user, application_id=data["applicationId"]
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
        responses={204: None, **_errors(400, 404)},
    )
    def post(self, request):
        return _confirm(request, Channel.EMAIL)


class EmailTestApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="testEmailNotification",
        summary="Render an email with a sample appointment and send it now",
        request=EmailNotificationRequestSerializer,
        responses={204: None, **_errors(400, 404, 502)},
    )
    def post(self, request):
        return _test_send(request, EmailNotificationRequestSerializer, Channel.EMAIL, to_field="toEmail")


class SmsVerifyApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="initiateSMSServiceVerification",
        summary="Send a one-time code to verify an SMS sender number",
        request=SMSServiceRequestSerializer,
        responses={200: ServiceOTPVerifySerializer, **_errors(400, 404, 502)},
    )
    def post(self, request):
        data = _valid(SMSServiceRequestSerializer, request)
        application = selectors.application_for_request(
            principal=request.user, application_id=data["applicationId"]
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
        responses={204: None, **_errors(400, 404)},
    )
    def post(self, request):
        return _confirm(request, Channel.SMS)


class SmsTestApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="testSMSNotification",
        summary="Render an SMS with a sample appointment and send it now",
        request=SMSNotificationRequestSerializer,
        responses={204: None, **_errors(400, 404, 502)},
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
        responses={200: NotificationParameterTagsSerializer, **_errors(400)},
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
        responses={200: NotificationLocalesSerializer, **_errors()},
    )
    def get(self, request):
        return Response({"content": selectors.locale_list()})


def _otp_sent(application) -> Response:
    valid_for = format_duration(settings.NOTIFICATIONS_VERIFICATION_TTL)
    return Response({"applicationId": str(application.pk), "validFor": valid_for})


def _confirm(request, channel: str) -> Response:
    data = _valid(ServiceConfirmationRequestSerializer, request)
    application = selectors.application_for_request(
        principal=request.user, application_id=data["applicationId"]
    )
    senders.sender_verification_confirm(application=application, channel=channel, code=data["code"])
    return Response(status=204)


# --- templates (CONTRACT.md section 6) -------------------------------------------------


def _check_body_application(request, data: dict) -> None:
    # A body may name its application; only the token's own exists for the caller.
    if "applicationId" in data:
        selectors.application_for_request(principal=request.user, application_id=data.pop("applicationId"))


class TemplateListApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="listNotificationTemplates",
        parameters=[
            OpenApiParameter(
                "type", str, required=False, enum=["CREATE", "UPDATE", "CANCEL", "REMINDER", "ROOM"]
            ),
            OpenApiParameter("channel", str, required=False, enum=["EMAIL", "SMS"]),
            OpenApiParameter("locale", str, required=False),
        ],
        responses={200: NotificationTemplateListSerializer, **_errors()},
    )
    def get(self, request):
        params = request.query_params
        templates = selectors.template_list(
            principal=request.user,
            type=params.get("type"),
            channel=params.get("channel"),
            locale=params.get("locale", "").replace("-", "_") or None,
        )
        return Response({"content": NotificationTemplateSerializer(templates, many=True).data})

    @extend_schema(
        tags=[TAG],
        operation_id="createNotificationTemplate",
        request=NotificationTemplateInputSerializer,
        responses={201: NotificationTemplateSerializer, **_errors(400, 404, 409)},
    )
    def post(self, request):
        data = dict(_valid(NotificationTemplateInputSerializer, request))
        _check_body_application(request, data)
        template = services.template_create(application=request.user.application, **data)
        return Response(NotificationTemplateSerializer(template).data, status=201)


class TemplateDetailApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="getNotificationTemplate",
        responses={200: NotificationTemplateSerializer, **_errors(404)},
    )
    def get(self, request, template_id):
        template = selectors.template_get(principal=request.user, template_id=template_id)
        return Response(NotificationTemplateSerializer(template).data)

    @extend_schema(
        tags=[TAG],
        operation_id="replaceNotificationTemplate",
        request=NotificationTemplateInputSerializer,
        responses={200: NotificationTemplateSerializer, **_errors(400, 404, 409)},
    )
    def put(self, request, template_id):
        return self._update(request, template_id, partial=False)

    @extend_schema(
        tags=[TAG],
        operation_id="updateNotificationTemplate",
        request=NotificationTemplateInputSerializer(partial=True),
        responses={200: NotificationTemplateSerializer, **_errors(400, 404, 409)},
    )
    def patch(self, request, template_id):
        return self._update(request, template_id, partial=True)

    @extend_schema(
        tags=[TAG],
        operation_id="deleteNotificationTemplate",
        responses={204: None, **_errors(404)},
    )
    def delete(self, request, template_id):
        template = selectors.template_get(principal=request.user, template_id=template_id)
        services.template_delete(template=template)
        return Response(status=204)

    def _update(self, request, template_id, *, partial: bool) -> Response:
        template = selectors.template_get(principal=request.user, template_id=template_id)
        data = dict(_valid(NotificationTemplateInputSerializer, request, partial=partial))
        _check_body_application(request, data)
        template = services.template_update(template=template, **data)
        return Response(NotificationTemplateSerializer(template).data)


# --- webhooks (CONTRACT.md section 6) ----------------------------------------------------


class WebhookListApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="listNotificationWebhooks",
        responses={200: WebhookEndpointListSerializer, **_errors()},
    )
    def get(self, request):
        endpoints = selectors.webhook_endpoint_list(principal=request.user)
        return Response({"content": WebhookEndpointSerializer(endpoints, many=True).data})

    @extend_schema(
        tags=[TAG],
        operation_id="createNotificationWebhook",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointSerializer, **_errors(400, 404)},
    )
    def post(self, request):
        data = dict(_valid(WebhookEndpointInputSerializer, request))
        _check_body_application(request, data)
        endpoint = services.webhook_endpoint_create(application=request.user.application, **data)
        return Response(WebhookEndpointSerializer(endpoint).data, status=201)


class WebhookDetailApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="getNotificationWebhook",
        responses={200: WebhookEndpointSerializer, **_errors(404)},
    )
    def get(self, request, endpoint_id):
        endpoint = selectors.webhook_endpoint_get(principal=request.user, endpoint_id=endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        tags=[TAG],
        operation_id="replaceNotificationWebhook",
        request=WebhookEndpointInputSerializer,
        responses={200: WebhookEndpointSerializer, **_errors(400, 404)},
    )
    def put(self, request, endpoint_id):
        return self._update(request, endpoint_id, partial=False)

    @extend_schema(
        tags=[TAG],
        operation_id="updateNotificationWebhook",
        request=WebhookEndpointInputSerializer(partial=True),
        responses={200: WebhookEndpointSerializer, **_errors(400, 404)},
    )
    def patch(self, request, endpoint_id):
        return self._update(request, endpoint_id, partial=True)

    @extend_schema(
        tags=[TAG],
        operation_id="deleteNotificationWebhook",
        responses={204: None, **_errors(404)},
    )
    def delete(self, request, endpoint_id):
        endpoint = selectors.webhook_endpoint_get(principal=request.user, endpoint_id=endpoint_id)
        services.webhook_endpoint_delete(endpoint=endpoint)
        return Response(status=204)

    def _update(self, request, endpoint_id, *, partial: bool) -> Response:
        endpoint = selectors.webhook_endpoint_get(principal=request.user, endpoint_id=endpoint_id)
        data = dict(_valid(WebhookEndpointInputSerializer, request, partial=partial))
        _check_body_application(request, data)
        endpoint = services.webhook_endpoint_update(endpoint=endpoint, **data)
        return Response(WebhookEndpointSerializer(endpoint).data)
