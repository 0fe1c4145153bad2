"""The /api/appointments operations: input serializer, then a selector or service, then output."""

import ipaddress
from typing import cast

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import serializers as s
from appointments import services
from appointments.models import Appointment
from appointments.participant_serializers import AddParticipantAgentSerializer
from appointments.selectors import (
    AppointmentFilters,
    application_of,
    appointment_count,
    appointment_eligible_list,
    appointment_get,
    appointment_list,
    appointment_overlap_count,
    appointment_participants_load,
)
from core.api.schema import error_responses
from participants.authentication import HasOTPCredentials, OTPBasicAuthentication, OTPCredentials
from participants.otp import otp_application, otp_request
from participants.serializers import contact_context
from tenants.permissions import HasOperationRole, operation_roles
from tenants.principal import request_principal
from tenants.roles import Role
from tenants.selectors import application_get

AGENT, SUPERVISOR, CLIENT_SERVICE, CUSTOMER = Role.AGENT, Role.SUPERVISOR, Role.CLIENT_SERVICE, Role.CUSTOMER
TAGS = ["Appointments"]


def validated(serializer_class, data, context: dict | None = None) -> dict:
    serializer = serializer_class(data=data, context=context or {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def appointment_response(appointment: Appointment) -> Response:
    """GetAppointmentResponse of an appointment as stored now (participants read in one query)."""
    appointment_participants_load(appointment=appointment)
    return Response(s.GetAppointmentResponseSerializer(appointment).data)


class OperationApi(APIView):
    """An operation whose roles the document lists per HTTP method in `roles`."""

    permission_classes = [HasOperationRole]
    roles: dict[str, tuple[Role, ...]] = {}

    def appointment(self, appointment_id) -> Appointment:
        """The appointment, if the caller reaches it acting in this operation's roles."""
        return appointment_get(
            principal=request_principal(self.request),
            appointment_id=appointment_id,
            roles=operation_roles(self, self.request),
        )


class AppointmentCollectionApi(OperationApi):
    roles = {
        "GET": (AGENT, SUPERVISOR, CLIENT_SERVICE),
        "POST": (AGENT, CLIENT_SERVICE),
        "PUT": (AGENT, SUPERVISOR, CLIENT_SERVICE),
    }

    @extend_schema(
        operation_id="findAppointments",
        summary="Retrieve all appointments with optional filtering",
        description=(
            "ROLE_SUPERVISOR sees the whole application and may filter by organizerId; other roles see "
            "only the appointments they organize (organizerId is ignored). No match is 404."
        ),
        tags=TAGS,
        parameters=[s.AppointmentListQuerySerializer],
        responses={200: s.FindAppointmentsResponsePagedSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        query = validated(s.AppointmentListQuerySerializer, request.query_params)
        if query.get("applicationId"):
            application_of(principal=request_principal(request), application_id=query["applicationId"])
        bounds = query.get("range") or (None, None)
        filters = AppointmentFilters(
            organizer_ids=tuple(query.get("organizerId") or ()),
            durations=tuple(query.get("duration") or ()),
            range_start=bounds[0],
            range_end=bounds[1],
            sort_field=query["sortField"],
            sort_order=query["sortOrder"],
            page_size=query["pageSize"],
            page_number=query["pageNumber"],
        )
        page = appointment_list(principal=request_principal(request), filters=filters)
        return Response(s.FindAppointmentsResponsePagedSerializer(page).data)

    @extend_schema(
        operation_id="scheduleAppointment",
        summary="Schedule a new appointment",
        description=(
            "The caller becomes organizer and AGENT participant; `customer` becomes a CUSTOMER participant. "
            "roomAccess is returned only when the application activates appointments automatically."
        ),
        tags=TAGS,
        request=s.ScheduleAppointmentSerializer,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        principal = request_principal(request)
        # The customer's national phone number is read in the caller's application's region.
        context = contact_context(principal.application)
        data = validated(s.ScheduleAppointmentSerializer, request.data, context)
        application = application_of(principal=principal, application_id=data["application_id"])
        appointment = services.appointment_schedule(
            application=application,
            organizer_id=principal.user_id,
            **s.schedule_arguments(data, application),
        )
        return appointment_response(appointment)

    @extend_schema(
        operation_id="updateAppointment",
        summary="Update title, notes, metadata or notificationHeaders",
        description="Fields left out are kept; a field sent empty is cleared.",
        tags=TAGS,
        request=s.UpdateAppointmentSerializer,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request: Request) -> Response:
        data = validated(s.UpdateAppointmentSerializer, request.data)
        appointment = self.appointment(data.pop("id"))
        return appointment_response(services.appointment_update(appointment=appointment, **data))


class AppointmentDetailApi(OperationApi):
    roles = {
        "GET": (AGENT, SUPERVISOR, CUSTOMER, CLIENT_SERVICE),
        "DELETE": (AGENT, SUPERVISOR, CLIENT_SERVICE),
    }

    @extend_schema(
        operation_id="getAppointment",
        summary="Retrieve an appointment by id",
        description="A customer reaches only the appointment named by its token's conference_id.",
        tags=TAGS,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(s.GetAppointmentResponseSerializer(self.appointment(id)).data)

    @extend_schema(
        operation_id="deleteAppointment",
        summary="Delete an appointment for good",
        tags=TAGS,
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, id: str) -> Response:
        services.appointment_delete(appointment=self.appointment(id))
        return Response(status=204)


class AppointmentEndApi(OperationApi):
    roles = {"PUT": (AGENT, CUSTOMER)}

    @extend_schema(
        operation_id="endAppointmentInteraction",
        summary="Set the appointment's interaction COMPLETE (internal use)",
        description="Idempotent: ending an ended appointment returns it unchanged.",
        tags=TAGS,
        request=None,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request: Request, id: str) -> Response:
        return appointment_response(services.appointment_end(appointment=self.appointment(id)))


class AppointmentActivateApi(OperationApi):
    roles = {"POST": (CLIENT_SERVICE,)}

    @extend_schema(
        operation_id="activateAppointment",
        summary="Activate an appointment: create its video room",
        description="Activating an active appointment returns its existing room.",
        tags=TAGS,
        request=None,
        responses={200: s.AppointmentActivationResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, id: str) -> Response:
        appointment = services.appointment_activate(appointment=self.appointment(id))
        return Response(s.AppointmentActivationResponseSerializer(appointment).data)


class AppointmentRescheduleApi(OperationApi):
    roles = {"PUT": (AGENT, SUPERVISOR, CLIENT_SERVICE)}

    @extend_schema(
        operation_id="rescheduleAppointment",
        summary="Reschedule an appointment",
        description="An activated appointment keeps its room URL; the room's expiry follows the new end.",
        tags=TAGS,
        request=s.RescheduleAppointmentSerializer,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request: Request) -> Response:
        data = validated(s.RescheduleAppointmentSerializer, request.data)
        appointment = self.appointment(data.pop("id"))
        return appointment_response(services.appointment_reschedule(appointment=appointment, **data))


class AppointmentReassignApi(OperationApi):
    roles = {"PUT": (AGENT, SUPERVISOR)}

    @extend_schema(
        operation_id="reassignAppointment",
        summary="Reassign an appointment to another agent",
        description=(
            "The agent replaces the organizer and every AGENT participant; reassigning to the current "
            "organizer changes nothing."
        ),
        tags=TAGS,
        request=AddParticipantAgentSerializer,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request) -> Response:
        data = validated(AddParticipantAgentSerializer, request.data)
        appointment = self.appointment(data["id"])
        return appointment_response(
            services.appointment_reassign(appointment=appointment, agent_id=data["user_id"])
        )


class AppointmentEligibleApi(OperationApi):
    roles = {"GET": (CLIENT_SERVICE,)}

    @extend_schema(
        operation_id="findAppointmentsEligibleForActivation",
        summary="DEPRECATED: scheduled appointments not yet activated (all of them without timeFrame)",
        tags=TAGS,
        deprecated=True,
        parameters=[
            s.AppointmentEligibleQuerySerializer,
            OpenApiParameter(
                "Deprecation",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description="Always `true`: this operation is deprecated.",
            ),
        ],
        responses={
            200: s.FindAppointmentsEligibleResponseSerializer(many=True),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated(s.AppointmentEligibleQuerySerializer, request.query_params)
        appointments = appointment_eligible_list(
            principal=request_principal(request), time_frame=query.get("timeFrame")
        )
        data = s.FindAppointmentsEligibleResponseSerializer(appointments, many=True).data
        return Response(data, headers={"Deprecation": "true"})


class AppointmentCountApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="countAppointments",
        summary="Count appointments starting within a time frame, grouped by slot",
        description=(
            "No authentication. applicationId and organizationId must name the same application; "
            "otherwise the result is empty."
        ),
        tags=TAGS,
        parameters=[s.AppointmentCountQuerySerializer],
        responses={200: s.AppointmentCountResponseSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = validated(s.AppointmentCountQuerySerializer, request.query_params)
        rows = appointment_count(
            application_id=query["applicationId"],
            organization_id=query["organizationId"],
            start=query["start"],
            time_frame=query["timeFrame"],
        )
        return Response(s.AppointmentCountResponseSerializer(rows, many=True).data)


class AppointmentOverlapCountApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="countOverlappingAppointments",
        summary="Count appointments overlapping [start, start + duration)",
        description=(
            "No authentication. Touching intervals do not overlap; completed appointments do not count."
        ),
        tags=TAGS,
        parameters=[s.AppointmentOverlapQuerySerializer],
        responses={200: s.AppointmentOverlapResponseSerializer, **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = validated(s.AppointmentOverlapQuerySerializer, request.query_params)
        count = appointment_overlap_count(
            application_id=query["applicationId"],
            organization_id=query["organizationId"],
            start=query["start"],
            duration=query["duration"],
        )
        return Response(s.AppointmentOverlapResponseSerializer({"count": count}).data)


class AppointmentBasicApi(APIView):
    authentication_classes = [OTPBasicAuthentication]
    permission_classes = [HasOTPCredentials]

    @extend_schema(
        operation_id="scheduleAppointmentAsCustomer",
        summary="Schedule a new appointment as a customer, with a one-time code",
        description=(
            "Authorization: Basic base64(<email or phone>:<code>) with a code from POST "
            "/api/appointments/basic/otp. The customer becomes the organizer (type CUSTOMER); a contact "
            "in the body must be the verified one. Wrong guesses burn the code after OTP_MAX_ATTEMPTS and "
            "are limited per client address (OTP_MAX_GUESSES_PER_ADDRESS, 429)."
        ),
        tags=TAGS,
        request=s.ScheduleAppointmentSerializer,
        responses={200: s.GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        # The application first: national phone numbers (credential and body) are read in its region.
        reference = validated(s.ApplicationReferenceSerializer, request.data)
        application = otp_application(application_id=reference["application_id"])
        data = validated(s.ScheduleAppointmentSerializer, request.data, contact_context(application))
        credentials = cast(OTPCredentials, request.user)  # the only user HasOTPCredentials admits
        appointment = services.appointment_schedule_as_customer(
            application=application,
            contact=credentials.contact(application=application),
            code=credentials.code,
            client_address=client_address(request),
            **s.schedule_arguments(data, application),
        )
        return appointment_response(appointment)


class CustomerOTPApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="requestCustomerOTP",
        summary="Send a customer a one-time code for POST /api/appointments/basic",
        description=(
            "Six digits, valid for OTP_VALIDITY (10 minutes by default), single use, at most "
            "OTP_MAX_ATTEMPTS tries; limited per contact and per client address."
        ),
        tags=TAGS,
        request=s.CustomerOTPSerializer,
        responses={200: s.CustomerOTPResponseSerializer, **error_responses(400, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated(s.CustomerOTPSerializer, request.data)
        application = application_get(application_id=data["application_id"])
        otp_request(
            application=application,
            email=data.get("email") or None,
            phone=data.get("phone") or None,
            client_address=client_address(request),
        )
        body = {"application_id": application.pk, "valid_for": settings.OTP_VALIDITY}
        return Response(s.CustomerOTPResponseSerializer(body).data)


def client_address(request: Request) -> str | None:
    """The caller's IP: REMOTE_ADDR, or X-Forwarded-For as far as REST_FRAMEWORK's NUM_PROXIES trusts it."""
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(proxies, len(hops))]
    if address is None:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
