"""The participant tests use the appointment tests' fixtures."""

from tests.appointments.conftest import appointment, doc_application  # noqa: F401
