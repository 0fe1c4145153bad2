"""The 18 operations of the document under /api/appointments, with their "Required authorization"."""

from collections.abc import Callable
from dataclasses import dataclass

from participants.models import ParticipantType
from tests.appointments.helpers import schedule_body

AGENT, SUPERVISOR, CLIENT_SERVICE, CUSTOMER, ADMIN = (
    "ROLE_AGENT",
    "ROLE_SUPERVISOR",
    "ROLE_CLIENT_SERVICE",
    "ROLE_CUSTOMER",
    "ROLE_ADMIN",
)
ALL_ROLES = [AGENT, SUPERVISOR, CLIENT_SERVICE, CUSTOMER, ADMIN]
PUBLIC = "public"  # no authentication at all
BASIC = "basic"  # Basic authentication with a one-time code only


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: Callable  # (appointment, participant_id) -> path
    roles: frozenset | str
    body: Callable | None = None  # (appointment) -> body
    success: int = 200
    takes_appointment_id: bool = True

    def __str__(self) -> str:
        return self.name


def customer_pid(appointment) -> str:
    return appointment.participants.get(type=ParticipantType.CUSTOMER).participant_id


def _count_query(appointment, params: str) -> str:
    application = appointment.application
    return (
        f"applicationId={application.pk}&organizationId={application.organization_id}"
        f"&start=2030-01-31T19:00:00Z&{params}"
    )


OPERATIONS = [
    Operation(
        "findAppointments",
        "get",
        lambda a, p: "/api/appointments/",
        frozenset({AGENT, SUPERVISOR, CLIENT_SERVICE}),
        takes_appointment_id=False,
    ),
    Operation(
        "scheduleAppointment",
        "post",
        lambda a, p: "/api/appointments/",
        frozenset({AGENT, CLIENT_SERVICE}),
        body=lambda a: schedule_body(a.application),
        takes_appointment_id=False,
    ),
    Operation(
        "updateAppointment",
        "put",
        lambda a, p: "/api/appointments/",
        frozenset({AGENT, SUPERVISOR, CLIENT_SERVICE}),
        body=lambda a: {"id": str(a.pk), "title": "New title"},
    ),
    Operation(
        "deleteAppointment",
        "delete",
        lambda a, p: f"/api/appointments/{a.pk}",
        frozenset({AGENT, SUPERVISOR, CLIENT_SERVICE}),
        success=204,
    ),
    Operation(
        "getAppointment",
        "get",
        lambda a, p: f"/api/appointments/{a.pk}",
        frozenset({AGENT, SUPERVISOR, CUSTOMER, CLIENT_SERVICE}),
    ),
    Operation(
        "endAppointment", "put", lambda a, p: f"/api/appointments/{a.pk}/end", frozenset({AGENT, CUSTOMER})
    ),
    Operation(
        "deleteParticipant",
        "delete",
        lambda a, p: f"/api/appointments/{a.pk}/participants/{p}",
        frozenset({AGENT, SUPERVISOR}),
    ),
    Operation(
        "getParticipantDetails",
        "get",
        lambda a, p: f"/api/appointments/{a.pk}/participants/{p}",
        frozenset({AGENT, SUPERVISOR, CUSTOMER}),
    ),
    Operation(
        "updateParticipantState",
        "put",
        lambda a, p: f"/api/appointments/{a.pk}/participants/{p}",
        frozenset({AGENT, SUPERVISOR, CUSTOMER}),
        body=lambda a: {"state": "JOINED"},
    ),
    Operation(
        "activateAppointment",
        "post",
        lambda a, p: f"/api/appointments/activate/{a.pk}",
        frozenset({CLIENT_SERVICE}),
    ),
    Operation(
        "scheduleAppointmentAsCustomer",
        "post",
        lambda a, p: "/api/appointments/basic",
        BASIC,
        body=lambda a: schedule_body(a.application),
        takes_appointment_id=False,
    ),
    Operation(
        "countAppointments",
        "get",
        lambda a, p: f"/api/appointments/count?{_count_query(a, 'timeFrame=PT1H')}",
        PUBLIC,
        takes_appointment_id=False,
    ),
    Operation(
        "findAppointmentsEligibleForActivation",
        "get",
        lambda a, p: "/api/appointments/eligible/?timeFrame=PT1H",
        frozenset({CLIENT_SERVICE}),
        takes_appointment_id=False,
    ),
    Operation(
        "countOverlappingAppointments",
        "get",
        lambda a, p: f"/api/appointments/overlap/count?{_count_query(a, 'duration=PT5M')}",
        PUBLIC,
        takes_appointment_id=False,
    ),
    Operation(
        "addParticipantAgent",
        "post",
        lambda a, p: "/api/appointments/participants/agents/",
        frozenset({AGENT, SUPERVISOR}),
        body=lambda a: {"id": str(a.pk), "userId": "agent-2"},
    ),
    Operation(
        "addParticipantCustomer",
        "post",
        lambda a, p: "/api/appointments/participants/customers/",
        frozenset({AGENT, SUPERVISOR}),
        body=lambda a: {"id": str(a.pk), "customer": {"name": {"firstName": "Sue"}}},
    ),
    Operation(
        "reassignAppointment",
        "put",
        lambda a, p: "/api/appointments/reassign/",
        frozenset({AGENT, SUPERVISOR}),
        body=lambda a: {"id": str(a.pk), "userId": "agent-2"},
    ),
    Operation(
        "rescheduleAppointment",
        "put",
        lambda a, p: "/api/appointments/reschedule/",
        frozenset({AGENT, SUPERVISOR, CLIENT_SERVICE}),
        body=lambda a: {
            "id": str(a.pk),
            "start": "2030-02-01T10:00:00Z",
            "duration": "PT1H",
            "timezone": "UTC",
        },
    ),
]


def call(client, operation: Operation, appointment, participant_id: str):
    kwargs = {"format": "json"}
    if operation.body is not None:
        kwargs["data"] = operation.body(appointment)
    return getattr(client, operation.method)(operation.path(appointment, participant_id), **kwargs)
