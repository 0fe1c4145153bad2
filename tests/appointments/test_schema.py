"""The OpenAPI schema describes the appointment operations as the document names them."""

import yaml
from django.core.management import call_command

DOCUMENTED_PATHS = {
    "/api/appointments/": {"get", "post", "put"},
    "/api/appointments/{id}": {"get", "delete"},
    "/api/appointments/{id}/end": {"put"},
    "/api/appointments/{id}/participants/{pid}": {"get", "put", "delete"},
    "/api/appointments/activate/{id}": {"post"},
    "/api/appointments/basic": {"post"},
    "/api/appointments/basic/otp": {"post"},
    "/api/appointments/count": {"get"},
    "/api/appointments/eligible/": {"get"},
    "/api/appointments/overlap/count": {"get"},
    "/api/appointments/participants/agents/": {"post"},
    "/api/appointments/participants/customers/": {"post"},
    "/api/appointments/reassign/": {"put"},
    "/api/appointments/reschedule/": {"put"},
}

# Operations the service adds beyond the document (issue 18); the documented ones keep their shapes.
SERVICE_PATHS = {
    "/api/appointments/{id}/confirmations": {"get"},
}

DOCUMENT_COMPONENTS = {
    "AddParticipantAgentRequest",
    "AddParticipantCustomerRequest",
    "Appointment",
    "AppointmentActivationResponse",
    "AppointmentCountResponse",
    "AppointmentOverlapResponse",
    "AppointmentRoomDetails",
    "Contact",
    "FindAppointmentsEligibleResponse",
    "FindAppointmentsResponsePaged",
    "GetAppointmentResponse",
    "GetParticipantDetailsResponse",
    "InteractionData",
    "InteractionDataRequest",
    "Name",
    "RescheduleAppointmentRequest",
    "RoutingData",
    "RoutingDataRequest",
    "ScheduleAppointmentRequest",
    "UpdateAppointmentRequest",
    "participant",
}


def generated_schema(tmp_path) -> dict:
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning of the generator into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_the_schema_validates_without_warnings_and_has_the_documents_paths(tmp_path):
    schema = generated_schema(tmp_path)

    paths = {path: set(ops) for path, ops in schema["paths"].items() if path.startswith("/api/appointments")}
    assert paths == DOCUMENTED_PATHS | SERVICE_PATHS
    assert set(schema["components"]["schemas"]) >= DOCUMENT_COMPONENTS


def test_security_follows_each_operations_authentication(tmp_path):
    paths = generated_schema(tmp_path)["paths"]

    # [{}]: no authentication at all.
    assert paths["/api/appointments/count"]["get"]["security"] == [{}]
    assert paths["/api/appointments/overlap/count"]["get"]["security"] == [{}]
    assert paths["/api/appointments/basic/otp"]["post"]["security"] == [{}]
    assert paths["/api/appointments/basic"]["post"]["security"] == [{"customerOtpBasic": []}]
    assert paths["/api/appointments/{id}"]["get"]["security"] == [{"jwtBearerToken": []}]
    assert paths["/api/appointments/eligible/"]["get"]["deprecated"] is True
