"""The participant operations of an appointment, under /api/appointments."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from appointments import participant_serializers as s
from appointments import participant_services as services
from appointments.apis import TAGS, OperationApi, appointment_response, validated
from appointments.selectors import appointment_confirmations_get, participant_get
from appointments.serializers import GetAppointmentResponseSerializer
from core.api.schema import error_responses
from participants.models import Participant
from participants.serializers import ParticipantDetailsSerializer, contact_context, customer_details
from tenants.permissions import operation_roles
from tenants.principal import request_principal
from tenants.roles import Role

AGENT, SUPERVISOR, CUSTOMER, CLIENT_SERVICE = Role.AGENT, Role.SUPERVISOR, Role.CUSTOMER, Role.CLIENT_SERVICE


class ParticipantAgentsApi(OperationApi):
    roles = {"POST": (AGENT, SUPERVISOR)}

    @extend_schema(
        operation_id="addParticipantAgent",
        summary="Add an agent as a participant",
        description="An agent already taking part gives 409 StatusConflict.",
        tags=TAGS,
        request=s.AddParticipantAgentSerializer,
        responses={200: GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        data = validated(s.AddParticipantAgentSerializer, request.data)
        participant = services.participant_add_agent(
            appointment=self.appointment(data["id"]), agent_id=data["user_id"]
        )
        return appointment_response(participant.appointment)


class ParticipantCustomersApi(OperationApi):
    roles = {"POST": (AGENT, SUPERVISOR)}

    @extend_schema(
        operation_id="addParticipantCustomer",
        summary="Add a customer as a participant",
        tags=TAGS,
        request=s.AddParticipantCustomerSerializer,
        responses={200: GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        application = request_principal(request).application
        # The customer's national phone number is read in the caller's application's region.
        data = validated(s.AddParticipantCustomerSerializer, request.data, contact_context(application))
        participant = services.participant_add_customer(
            appointment=self.appointment(data["id"]), customer=customer_details(data["customer"])
        )
        return appointment_response(participant.appointment)


class ParticipantDetailApi(OperationApi):
    roles = {
        "GET": (AGENT, SUPERVISOR, CUSTOMER),
        "PUT": (AGENT, SUPERVISOR, CUSTOMER),
        "DELETE": (AGENT, SUPERVISOR),
    }

    def participant(self, appointment_id: str, participant_id: str) -> Participant:
        return participant_get(
            principal=request_principal(self.request),
            appointment_id=appointment_id,
            participant_id=participant_id,
            roles=operation_roles(self, self.request),
        )

    @extend_schema(
        operation_id="getParticipantDetails",
        summary="Get a participant's details",
        description=(
            "A customer sees only CUSTOMER participants of its own appointment, and none after the "
            "appointment has ended."
        ),
        tags=TAGS,
        responses={200: ParticipantDetailsSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, id: str, pid: str) -> Response:
        return Response(ParticipantDetailsSerializer(self.participant(id, pid)).data)

    @extend_schema(
        operation_id="updateParticipantState",
        summary="Update a participant's state to WAITING, JOINED or LEFT",
        tags=TAGS,
        request=s.UpdateParticipantStateSerializer,
        responses={200: GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request: Request, id: str, pid: str) -> Response:
        data = validated(s.UpdateParticipantStateSerializer, request.data)
        participant = services.participant_update_state(
            participant=self.participant(id, pid), state=data["state"]
        )
        return appointment_response(participant.appointment)

    @extend_schema(
        operation_id="deleteParticipant",
        summary="Remove a participant from an appointment",
        description="The organizer cannot be removed (400): reassign the appointment instead.",
        tags=TAGS,
        responses={200: GetAppointmentResponseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def delete(self, request: Request, id: str, pid: str) -> Response:
        appointment = services.participant_remove(participant=self.participant(id, pid))
        return appointment_response(appointment)


class AppointmentConfirmationsApi(OperationApi):
    # Whoever may read the appointment (getAppointment) may read its participants' answers.
    roles = {"GET": (AGENT, SUPERVISOR, CUSTOMER, CLIENT_SERVICE)}

    @extend_schema(
        operation_id="getAppointmentConfirmations",
        summary="The participants' answers to 'will you attend?' (SMS reply or email link)",
        description=(
            "confirmation is NONE, CONFIRMED or DECLINED; answeredAt and channel (SMS or EMAIL) are null "
            "while NONE. The last answer counts. A customer sees only CUSTOMER participants."
        ),
        tags=TAGS,
        responses={200: s.AppointmentConfirmationsSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, id: str) -> Response:
        confirmations = appointment_confirmations_get(
            principal=request_principal(request), appointment_id=id, roles=operation_roles(self, request)
        )
        return Response(s.AppointmentConfirmationsSerializer(confirmations).data)
