"""The /api/notifications endpoints: input serializer -> service or selector -> output (ROLE_ADMIN)."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import format_duration
from core.api.schema import error_responses
from core.pages import Row
from notifications import selectors, services
from notifications.models import Channel, NotificationTemplate, WebhookEndpoint
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
from tenants.models import Application
from tenants.permissions import IsAdmin
from tenants.principal import request_principal

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
        principal=request_principal(request), application_id=data["applicationId"]
    )
    senders.sender_verification_confirm(application=application, channel=channel, code=data["code"])
    return Response(status=204)


# --- templates and webhooks (CONTRACT.md section 6): one shape of collection and item ----------------


def _check_body_application(request: Request, data: dict[str, Any]) -> None:
    # A body may name its application; only the token's own exists for the caller.
    if "applicationId" in data:
        selectors.application_for_request(
            principal=request_principal(request), application_id=data.pop("applicationId")
        )


class _CollectionApi(AdminApi, ABC):
    # GET: the caller's rows as {"content": [...]}; POST: one created through the service (201).
    # (A comment, not a docstring: drf-spectacular would publish a docstring as each operation's text.)

    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]

    @abstractmethod
    def rows(self, request: Request) -> Iterable[Model]: ...

    @abstractmethod
    def create(self, *, application: Application, values: dict[str, Any]) -> Model: ...

    def get(self, request: Request) -> Response:
        return Response({"content": self.output_serializer(self.rows(request), many=True).data})

    def post(self, request: Request) -> Response:
        values = dict(_valid(self.input_serializer, request))
        _check_body_application(request, values)
        row = self.create(application=request_principal(request).application, values=values)
        return Response(self.output_serializer(row).data, status=201)


class _ItemApi(AdminApi, ABC, Generic[Row]):
    # GET, PUT (all fields), PATCH (some) and DELETE (204) of one of the caller's rows.

    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]
    lookup_url_kwarg: str  # the row's id in the URL

    @abstractmethod
    def row(self, request: Request, pk: str) -> Row: ...

    @abstractmethod
    def update(self, row: Row, values: dict[str, Any]) -> Row: ...

    @abstractmethod
    def remove(self, row: Row) -> None: ...

    def get(self, request: Request, **kwargs: str) -> Response:
        return Response(self.output_serializer(self.row(request, kwargs[self.lookup_url_kwarg])).data)

    def put(self, request: Request, **kwargs: str) -> Response:
        return self._update(request, kwargs[self.lookup_url_kwarg], partial=False)

    def patch(self, request: Request, **kwargs: str) -> Response:
        return self._update(request, kwargs[self.lookup_url_kwarg], partial=True)

    def delete(self, request: Request, **kwargs: str) -> Response:
        self.remove(self.row(request, kwargs[self.lookup_url_kwarg]))
        return Response(status=204)

    def _update(self, request: Request, pk: str, *, partial: bool) -> Response:
        row = self.row(request, pk)
        values = dict(_valid(self.input_serializer, request, partial=partial))
        _check_body_application(request, values)
        return Response(self.output_serializer(self.update(row, values)).data)


ItemApi = TypeVar("ItemApi", bound=type[_ItemApi[Any]])


def _item_schema(name: str, *, conflicts: tuple[int, ...]) -> Callable[[ItemApi], ItemApi]:
    """Describe an item API's four operations in OpenAPI, from its own serializers."""

    def describe(api: ItemApi) -> ItemApi:
        return _item_schema_view(name, api, conflicts)(api)

    return describe


def _item_schema_view(name: str, api: type[_ItemApi[Any]], conflicts: tuple[int, ...]) -> Any:
    body, shown = api.input_serializer, api.output_serializer
    return extend_schema_view(
        get=extend_schema(tags=[TAG], operation_id=f"get{name}", responses={200: shown, **_errors(404)}),
        put=extend_schema(
            tags=[TAG],
            operation_id=f"replace{name}",
            request=body,
            responses={200: shown, **_errors(400, 404, *conflicts)},
        ),
        patch=extend_schema(
            tags=[TAG],
            operation_id=f"update{name}",
            request=body(partial=True),
            responses={200: shown, **_errors(400, 404, *conflicts)},
        ),
        delete=extend_schema(tags=[TAG], operation_id=f"delete{name}", responses={204: None, **_errors(404)}),
    )


@extend_schema_view(
    get=extend_schema(
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
    ),
    post=extend_schema(
        tags=[TAG],
        operation_id="createNotificationTemplate",
        request=NotificationTemplateInputSerializer,
        responses={201: NotificationTemplateSerializer, **_errors(400, 404, 409)},
    ),
)
class TemplateListApi(_CollectionApi):
    input_serializer = NotificationTemplateInputSerializer
    output_serializer = NotificationTemplateSerializer

    def rows(self, request: Request) -> Iterable[Model]:
        params = request.query_params
        return selectors.template_list(
            principal=request_principal(request),
            type=params.get("type"),
            channel=params.get("channel"),
            locale=params.get("locale", "").replace("-", "_") or None,
        )

    def create(self, *, application: Application, values: dict[str, Any]) -> Model:
        return services.template_create(application=application, **values)


@_item_schema("NotificationTemplate", conflicts=(409,))
class TemplateDetailApi(_ItemApi[NotificationTemplate]):
    input_serializer = NotificationTemplateInputSerializer
    output_serializer = NotificationTemplateSerializer
    lookup_url_kwarg = "template_id"

    def row(self, request: Request, pk: str) -> NotificationTemplate:
        return selectors.template_get(principal=request_principal(request), template_id=pk)

    def update(self, row: NotificationTemplate, values: dict[str, Any]) -> NotificationTemplate:
        return services.template_update(template=row, **values)

    def remove(self, row: NotificationTemplate) -> None:
        services.template_delete(template=row)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG],
        operation_id="listNotificationWebhooks",
        responses={200: WebhookEndpointListSerializer, **_errors()},
    ),
    post=extend_schema(
        tags=[TAG],
        operation_id="createNotificationWebhook",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointSerializer, **_errors(400, 404)},
    ),
)
class WebhookListApi(_CollectionApi):
    input_serializer = WebhookEndpointInputSerializer
    output_serializer = WebhookEndpointSerializer

    def rows(self, request: Request) -> Iterable[Model]:
        return selectors.webhook_endpoint_list(principal=request_principal(request))

    def create(self, *, application: Application, values: dict[str, Any]) -> Model:
        return services.webhook_endpoint_create(application=application, **values)


@_item_schema("NotificationWebhook", conflicts=())
class WebhookDetailApi(_ItemApi[WebhookEndpoint]):
    input_serializer = WebhookEndpointInputSerializer
    output_serializer = WebhookEndpointSerializer
    lookup_url_kwarg = "endpoint_id"

    def row(self, request: Request, pk: str) -> WebhookEndpoint:
        return selectors.webhook_endpoint_get(principal=request_principal(request), endpoint_id=pk)

    def update(self, row: WebhookEndpoint, values: dict[str, Any]) -> WebhookEndpoint:
        return services.webhook_endpoint_update(endpoint=row, **values)

    def remove(self, row: WebhookEndpoint) -> None:
        services.webhook_endpoint_delete(endpoint=row)
