"""GET/PATCH /api/applications/settings: the token's application's settings (ROLE_ADMIN)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import error_responses
from tenants.application_settings import application_settings_update
from tenants.permissions import IsAdmin
from tenants.principal import request_principal
from tenants.selectors import application_get
from tenants.serializers import ApplicationSettingsSerializer, settings_values

_ERRORS = error_responses(
    400,
    401,
    403,
    409,
    e400="BadRequest: `fields` names each setting that is wrong.",
    e403="Forbidden: the token lacks ROLE_ADMIN.",
    e409="StatusConflict: the change conflicts with existing data (e.g. agents already double-booked).",
)


class ApplicationSettingsApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["applications"],
        operation_id="getApplicationSettings",
        summary="The settings of the token's application",
        responses={200: ApplicationSettingsSerializer, **error_responses(401, 403)},
    )
    def get(self, request):
        application = application_get(application_id=request_principal(request).application_id)
        return Response(ApplicationSettingsSerializer(application).data)

    @extend_schema(
        tags=["applications"],
        operation_id="updateApplicationSettings",
        summary="Change some settings of the token's application",
        request=ApplicationSettingsSerializer,
        responses={200: ApplicationSettingsSerializer, **_ERRORS},
    )
    def patch(self, request):
        serializer = ApplicationSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        application = application_get(application_id=request_principal(request).application_id)
        application = application_settings_update(
            application=application, values=settings_values(serializer.validated_data)
        )
        return Response(ApplicationSettingsSerializer(application).data)
