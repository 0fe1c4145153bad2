"""confirm_action: the page asks, with an optional form; only the confirmed post performs, with its data."""

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from appointments.models import Appointment
from core.console import confirm_action
from notifications.admin.appointments import ResendNotificationsForm
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def _request(user, data):
    request = RequestFactory().post("/admin/appointments/appointment/", data)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _ask(request, performed):
    model_admin = admin.site._registry[Appointment]
    return confirm_action(
        model_admin,
        request,
        Appointment.objects.all(),
        action="resend_notifications",
        title="Resend notifications",
        question="Send again?",
        button="Yes, send",
        perform=lambda appointment, **options: performed.append((appointment, options)),
        done="Sent for {count} appointment(s).",
        form_class=ResendNotificationsForm,
    )


def test_the_page_asks_with_the_form_and_performs_nothing(superuser, application):
    appointment = AppointmentFactory(application=application, title="Acme kickoff")
    performed = []
    response = _ask(_request(superuser, {"action": "resend_notifications"}), performed)
    response.render()
    body = response.content.decode()
    assert performed == []
    assert 'name="type"' in body and "Acme kickoff" in body and f'value="{appointment.pk}"' in body
    assert 'value="resend_notifications"' in body and 'name="confirm" value="yes"' in body


def test_an_invalid_choice_asks_again(superuser, application):
    AppointmentFactory(application=application)
    performed = []
    response = _ask(_request(superuser, {"confirm": "yes", "type": "BOGUS"}), performed)
    assert performed == [] and response.context_data["form"].errors["type"]


def test_the_confirmed_post_performs_with_the_chosen_type(superuser, application):
    appointment = AppointmentFactory(application=application)
    performed = []
    assert _ask(_request(superuser, {"confirm": "yes", "type": "CANCEL"}), performed) is None
    assert performed == [(appointment, {"type": "CANCEL"})]
