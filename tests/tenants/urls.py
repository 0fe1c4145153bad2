"""Probe views for the foundation tests: one per permission composition."""

from django.http import HttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import ISODurationField, LocaleField, UTCDateTimeField
from tenants.permissions import HasOperationRole
from tenants.roles import Role


class WhoAmI(APIView):
    def get(self, request):
        principal = request.user
        return Response(
            {
                "userId": principal.user_id,
                "roles": sorted(principal.roles),
                "applicationId": str(principal.application_id),
                "organizationId": principal.organization_id,
                "conferenceId": principal.conference_id,
            }
        )


class AgentOrSupervisorOnly(APIView):
    permission_classes = [HasOperationRole]
    roles = {"GET": (Role.AGENT, Role.SUPERVISOR)}

    def get(self, request):
        return Response({"ok": True})


class ClientServiceOnly(APIView):
    permission_classes = [HasOperationRole]
    roles = {"GET": (Role.CLIENT_SERVICE,)}

    def get(self, request):
        return Response({"ok": True})


class EchoSerializer(serializers.Serializer):
    start = UTCDateTimeField()
    duration = ISODurationField()
    locale = LocaleField(required=False)


class Echo(APIView):
    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(EchoSerializer(serializer.validated_data).data)


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("secret internals")


def plain_django_boom(request):
    raise RuntimeError("secret internals outside DRF")


def plain_page(request):
    return HttpResponse("ok")


urlpatterns = [
    path("api/probe/whoami", WhoAmI.as_view()),
    path("api/probe/agent-or-supervisor", AgentOrSupervisorOnly.as_view()),
    path("api/probe/client-service", ClientServiceOnly.as_view()),
    path("api/probe/echo", Echo.as_view()),
    path("api/probe/boom", Boom.as_view()),
    path("api/probe/django-boom", plain_django_boom),
    path("page", plain_page),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
