"""Schemathesis against the service's own /api/schema/: no 5xx, and every response as the schema says.

Requests go through Django's WSGI application in the test's own thread, so they
see the test's database. The examples are few and derandomized, so that the run
is short and the same on every machine.
"""

import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.services import token_mint
from tests.factories import AppointmentFactory, CustomerFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ["ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER"]


# Loaded when the module is collected (Django is set up by then; the schema view needs no
# database). schemathesis.pytest.from_fixture would defer this, but with pytest 9 its lazy
# loader fails on a pytest internal it still uses (Node._nodeid).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=SchemathesisConfig.from_dict(
        {"seed": 20220131, "generation": {"max-examples": 25, "deterministic": True}}
    ),
).include(path_regex=r"^/api/appointments")


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Do what Django's test client does: keep requests from closing the test's database connection.

    The WSGI handler closes "old" connections around each request; inside the
    test's transaction that would close the connection the test runs in.
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(application):
    """A token holding every role and an appointment it reaches, which half the examples address."""
    appointment = AppointmentFactory(application=application, organizer_id="agent-1")
    customer = CustomerFactory(appointment=appointment)
    token = token_mint(
        user_id="agent-1", application=application, roles=ROLES, conference_id=str(appointment.pk)
    )
    return {"token": token, "appointment": appointment, "customer": customer, "turn": itertools.count()}


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, world):
    if next(world["turn"]) % 2 == 0:
        use_real_ids(case, world)
    headers = (
        {}
        if case.operation.path == "/api/appointments/basic"
        else {"Authorization": f"Bearer {world['token']}"}
    )

    case.call_and_validate(headers=headers, checks=CHECKS)


def use_real_ids(case, world) -> None:
    """Put ids of the test's own objects into half the examples, so that they get past 404s."""
    application = world["appointment"].application
    real = {
        "id": str(world["appointment"].pk),
        "pid": world["customer"].participant_id,
        "applicationId": str(application.pk),
        "organizationId": application.organization_id,
    }
    for container in (case.path_parameters, case.query, case.body):
        if isinstance(container, dict):
            for key in real.keys() & container.keys():
                container[key] = real[key]
