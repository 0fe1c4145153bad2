import uuid

import pytest

from appointments.models import Appointment
from core.errors import NotFound
from tenants.selectors import get_scoped_or_404, scoped
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


class _Caller:
    def __init__(self, application):
        self.application_id = application.pk


def test_scoped_returns_only_the_callers_rows(application, other_application):
    mine = AppointmentFactory(application=application)
    AppointmentFactory(application=other_application)
    assert list(scoped(Appointment.objects.all(), _Caller(application))) == [mine]
    assert list(Appointment.objects.for_principal(_Caller(application))) == [mine]


def test_another_tenants_row_is_not_found(application, other_application):
    theirs = AppointmentFactory(application=other_application)
    with pytest.raises(NotFound) as caught:
        get_scoped_or_404(Appointment.objects.all(), _Caller(application), label="appointment", pk=theirs.pk)
    assert str(theirs.pk) in caught.value.message


def test_own_row_is_found_and_malformed_ids_are_not_found(application):
    mine = AppointmentFactory(application=application)
    found = get_scoped_or_404(
        Appointment.objects.all(), _Caller(application), label="appointment", pk=mine.pk
    )
    assert found == mine
    for bad in ("nope", "", str(uuid.uuid4())):
        with pytest.raises(NotFound):
            get_scoped_or_404(Appointment.objects.all(), _Caller(application), label="appointment", pk=bad)
