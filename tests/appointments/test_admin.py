import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from appointments.models import Appointment, InteractionState
from participants.models import CustomerOneTimeCode


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("op", "op@example.com", "pw"))
    return client


def test_the_changelist_and_change_page_render(admin_client, appointment):
    assert admin_client.get("/admin/appointments/appointment/").status_code == 200
    page = admin_client.get(f"/admin/appointments/appointment/{appointment.pk}/change/")
    assert page.status_code == 200
    assert b"agent-1" in page.content


def test_actions_go_through_the_services(admin_client, appointment):
    url = "/admin/appointments/appointment/"

    admin_client.post(url, {"action": "activate", "_selected_action": [appointment.pk]})
    admin_client.post(url, {"action": "end_interaction", "_selected_action": [appointment.pk]})

    appointment.refresh_from_db()
    assert appointment.is_activated
    assert appointment.interaction_state == InteractionState.COMPLETE
    assert appointment.version == 3  # one bump per change, from the change hook


def test_deleting_from_the_admin_removes_the_appointment(admin_client, appointment):
    admin_client.post(f"/admin/appointments/appointment/{appointment.pk}/delete/", {"post": "yes"})

    assert not Appointment.objects.filter(pk=appointment.pk).exists()


def test_one_time_codes_are_shown_without_their_hash(admin_client, application):
    row = CustomerOneTimeCode.objects.create(
        application=application,
        channel="EMAIL",
        contact="bobby@example.com",
        code_hash="f" * 64,
        expires_at=timezone.now(),
    )

    listing = admin_client.get("/admin/participants/customeronetimecode/")
    page = admin_client.get(f"/admin/participants/customeronetimecode/{row.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert b"bobby@example.com" in page.content
    assert b"f" * 64 not in page.content
