"""Fixtures for the appointment and participant API tests."""

import pytest

from tests.appointments.helpers import DOC_APPLICATION_ID, DOC_ORGANIZATION_ID, FUTURE
from tests.factories import ApplicationFactory, AppointmentFactory, CustomerFactory


@pytest.fixture
def doc_application(db):
    """An application with the id and organization the document's examples use (its numbers are Greek)."""
    return ApplicationFactory(id=DOC_APPLICATION_ID, organization_id=DOC_ORGANIZATION_ID, default_region="GR")


@pytest.fixture
def appointment(application):
    """An appointment organized by agent-1, with one customer, in the future."""
    appointment = AppointmentFactory(application=application, organizer_id="agent-1", start=FUTURE)
    CustomerFactory(appointment=appointment)
    return appointment
