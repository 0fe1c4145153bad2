"""Templates and webhook endpoints (CONTRACT.md section 6): one shape of collection and of item, ROLE_ADMIN.

Each collection lists the caller's rows and creates one through the service;
each item is read, replaced, patched or deleted, always within the caller's
application (another tenant's row is not found).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.db.models import Model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import InvalidInput
from core.pages import Row
from notifications import selectors, services
from notifications.apis import TAG, AdminApi, admin_errors, validated
from notifications.models import NotificationTemplate, WebhookEndpoint
from notifications.serializers import (
    NotificationTemplateInputSerializer,
    NotificationTemplateListSerializer,
    NotificationTemplateSerializer,
    TemplateImpactInputSerializer,
    TemplateImpactSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointListSerializer,
    WebhookEndpointSerializer,
)
from tenants.models import Application
from tenants.principal import request_principal


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
        values = dict(validated(self.input_serializer, request))
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
        values = dict(validated(self.input_serializer, request, partial=partial))
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
        get=extend_schema(tags=[TAG], operation_id=f"get{name}", responses={200: shown, **admin_errors(404)}),
        put=extend_schema(
            tags=[TAG],
            operation_id=f"replace{name}",
            request=body,
            responses={200: shown, **admin_errors(400, 404, *conflicts)},
        ),
        patch=extend_schema(
            tags=[TAG],
            operation_id=f"update{name}",
            request=body(partial=True),
            responses={200: shown, **admin_errors(400, 404, *conflicts)},
        ),
        delete=extend_schema(
            tags=[TAG], operation_id=f"delete{name}", responses={204: None, **admin_errors(404)}
        ),
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
        responses={200: NotificationTemplateListSerializer, **admin_errors()},
    ),
    post=extend_schema(
        tags=[TAG],
        operation_id="createNotificationTemplate",
        request=NotificationTemplateInputSerializer,
        responses={201: NotificationTemplateSerializer, **admin_errors(400, 404, 409)},
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


class TemplateImpactApi(AdminApi):
    @extend_schema(
        tags=[TAG],
        operation_id="previewNotificationTemplateImpact",
        summary="What a template change would do to the pending deliveries of booked appointments",
        description="Nothing is saved. `id` names the template being changed (the fields given change it, "
        "as PATCH would); without `id` the body is a new template. `delete: true` previews deleting `id`.",
        request=TemplateImpactInputSerializer,
        responses={200: TemplateImpactSerializer, **admin_errors(400, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        changing = isinstance(request.data, dict) and "id" in request.data
        if not changing and isinstance(request.data, dict) and request.data.get("delete") is True:
            raise InvalidInput.for_field("id", "name the template whose deletion to preview")
        values = dict(validated(TemplateImpactInputSerializer, request, partial=changing))
        _check_body_application(request, values)
        principal = request_principal(request)
        template_id, delete = values.pop("id", None), values.pop("delete", False)
        template = selectors.template_get(principal=principal, template_id=template_id) if changing else None
        summary = services.template_change_impact(
            application=principal.application, template=template, values=values, delete=delete
        )
        return Response(TemplateImpactSerializer(summary).data)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG],
        operation_id="listNotificationWebhooks",
        responses={200: WebhookEndpointListSerializer, **admin_errors()},
    ),
    post=extend_schema(
        tags=[TAG],
        operation_id="createNotificationWebhook",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointSerializer, **admin_errors(400, 404)},
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
