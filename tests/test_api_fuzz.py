"""Schemathesis against a live server: every /api operation, for each role, no 5xx, responses as documented.

Requests go over HTTP to pytest-django's live server on 127.0.0.1, so the whole stack
(middleware, authentication, parsers, the error envelope) answers them. Examples are
derandomized with a fixed seed, so a run is the same on every machine. FUZZ_EXAMPLES sets
how many examples each operation gets per role (default 8); .ci/run raises it for the
run on PostgreSQL.
"""

import itertools
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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

# pytest-django's live server would listen on "localhost"; keep it on loopback IPv4.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SEED = 20261202
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ["ROLE_AGENT", "ROLE_SUPERVISOR", "ROLE_CLIENT_SERVICE", "ROLE_CUSTOMER", "ROLE_ADMIN"]
# Each role alone, and a token holding them all (which must not gain more than each grants).
ROLE_SETS = [[role] for role in ROLES] + [ROLES]
# Twilio signs its callbacks with the account's auth token, which no fuzzer has: every
# example would be refused the same way, so the operation is left to its own tests.
UNSIGNABLE = r"^/api/notifications/(twilio/|sms/inbound)"

# Loaded at collection (the schema view needs no database).
schema = (
    schemathesis.openapi.from_wsgi(
        "/api/schema/",
        get_wsgi_application(),
        config=SchemathesisConfig.from_dict(
            {"seed": SEED, "generation": {"max-examples": EXAMPLES, "deterministic": True}}
        ),
    )
    .include(path_regex=r"^/api/")
    .exclude(path_regex=UNSIGNABLE)
)


@pytest.fixture
def world(live_server, application):
    """An appointment of the token's application, which half the examples address by its real ids."""
    appointment = AppointmentFactory(application=application, organizer_id="agent-1")
    customer = CustomerFactory(appointment=appointment)
    return {
        "url": live_server.url,
        "application": application,
        "appointment": appointment,
        "customer": customer,
        "turn": itertools.count(),
    }


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(r[5:].lower() for r in roles))
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_its_schema_for_each_role(case, world, roles):
    if next(world["turn"]) % 2 == 0:
        _use_real_ids(case, world)
    token = token_mint(
        user_id="agent-1",
        application=world["application"],
        roles=roles,
        conference_id=str(world["appointment"].pk),
    )
    headers = {} if case.operation.path == "/api/appointments/basic" else {"Authorization": f"Bearer {token}"}

    case.call_and_validate(base_url=world["url"], headers=headers, checks=CHECKS, timeout=30)


def _use_real_ids(case, world) -> None:
    """Put the test's own ids into an example, so that it gets past the 404s."""
    application = world["application"]
    real = {
        "id": str(world["appointment"].pk),
        "appointmentId": str(world["appointment"].pk),
        "pid": world["customer"].participant_id,
        "applicationId": str(application.pk),
        "organizationId": application.organization_id,
    }
    for container in (case.path_parameters, case.query, case.body):
        if isinstance(container, dict):
            for key in real.keys() & container.keys():
                container[key] = real[key]
