"""TenantScopedAdmin and TenantScopedInline keep a supervisor inside their applications.

The probe admin site (tests/admin/probe_site.py) puts the mixins on the real
appointment and participant models; a supervisor of application A must meet
nothing of application B anywhere: lists, forms, choices, filters, search,
actions, inlines, history and delete pages.
"""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from appointments.models import Appointment
from participants.models import Participant, ParticipantType
from tenants.admin_scoping import TenantScopedAdmin, application_id_of, console_principal
from tenants.roles import Role
from tests.admin.forms import submitted_data
from tests.admin.probe_site import (
    AppointmentProbeAdmin,
    ParticipantByAppointmentAdmin,
    ParticipantProbeAdmin,
)
from tests.admin.probe_site import site as probe_site
from tests.factories import ApplicationFactory, AppointmentFactory, CustomerFactory

pytestmark = [pytest.mark.urls("tests.admin.urls"), pytest.mark.django_db]

APPOINTMENTS = "/probe-admin/appointments/appointment/"
PARTICIPANTS = "/probe-admin/participants/participant/"
NOT_FOUND = "doesn’t exist"


@pytest.fixture
def world(application, other_application):
    """Application A with a kickoff, application B with a secret review, a customer each."""
    mine = AppointmentFactory(application=application, title="Acme kickoff")
    theirs = AppointmentFactory(application=other_application, title="Globex secret review")
    return SimpleNamespace(
        mine=mine,
        theirs=theirs,
        my_customer=CustomerFactory(appointment=mine, email="alice@acme.example", first_name="Alice"),
        their_customer=CustomerFactory(appointment=theirs, email="bob@globex.example", first_name="Bob"),
    )


@pytest.fixture
def supervisor(make_supervisor, application):
    return make_supervisor(application)


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def _assert_no_trace_of_b(response, world):
    body = response.content.decode()
    for secret in ("Globex secret review", "bob@globex.example", "Globex Care", "org-globex"):
        assert secret not in body


def _shown(response) -> list:
    return list(response.context["cl"].result_list)


def test_change_list_shows_only_the_supervisors_rows(supervisor_client, world):
    response = supervisor_client.get(APPOINTMENTS)
    assert _shown(response) == [world.mine]
    _assert_no_trace_of_b(response, world)


def test_superuser_sees_every_application(client, superuser, world):
    client.force_login(superuser)
    assert set(_shown(client.get(APPOINTMENTS))) == {world.mine, world.theirs}
    form = client.get(f"{PARTICIPANTS}add/").context["adminform"].form
    assert set(form.fields["appointment"].queryset) == {world.mine, world.theirs}


def test_search_finds_nothing_of_another_application(supervisor_client, world):
    assert _shown(supervisor_client.get(APPOINTMENTS, {"q": "bob@globex.example"})) == []
    assert _shown(supervisor_client.get(APPOINTMENTS, {"q": "Globex"})) == []
    assert _shown(supervisor_client.get(APPOINTMENTS, {"q": "alice@acme.example"})) == [world.mine]


def test_filtering_by_another_application_shows_nothing(
    client, make_supervisor, application, other_application, world
):
    # Two applications, so that the application filter is shown and applied.
    client.force_login(make_supervisor(application, ApplicationFactory()))
    response = client.get(APPOINTMENTS, {"application__id__exact": str(other_application.pk)})
    assert _shown(response) == []
    _assert_no_trace_of_b(response, world)


def test_application_filter_offers_only_the_supervisors_applications(
    client, make_supervisor, application, world
):
    third = ApplicationFactory(name="Initech Help")
    client.force_login(make_supervisor(application, third))
    response = client.get(APPOINTMENTS)
    spec = next(s for s in response.context["cl"].filter_specs if s.field_path == "application")
    assert {pk for pk, _ in spec.lookup_choices} == {application.pk, third.pk}
    assert "Initech Help" in response.content.decode()
    _assert_no_trace_of_b(response, world)


def test_filter_on_a_tenant_owned_relation_offers_only_the_supervisors_rows(
    supervisor_client, world, application
):
    second = AppointmentFactory(application=application, title="Acme follow-up")
    response = supervisor_client.get(PARTICIPANTS)
    specs = {s.field_path: s for s in response.context["cl"].filter_specs}
    assert {pk for pk, _ in specs["appointment"].lookup_choices} == {world.mine.pk, second.pk}
    mine = {*world.mine.participants.all(), *second.participants.all()}
    assert set(_shown(response)) == mine
    _assert_no_trace_of_b(response, world)


def test_foreign_key_choices_are_the_supervisors_rows(supervisor_client, world, application):
    form = supervisor_client.get(f"{PARTICIPANTS}add/").context["adminform"].form
    assert list(form.fields["application"].queryset) == [application]
    assert list(form.fields["appointment"].queryset) == [world.mine]
    # One application: nothing to choose, so it is preselected.
    assert form.fields["application"].initial == application.pk


@pytest.mark.parametrize("foreign", ["application", "appointment"])
def test_a_form_cannot_point_at_another_applications_rows(supervisor_client, world, foreign):
    data = {
        "application": str(world.mine.application_id),
        "appointment": str(world.mine.pk),
        "participant_id": "sneaky",
        "type": ParticipantType.CUSTOMER,
        "first_name": "Sneaky",
        "email": "",
    }
    data[foreign] = str(getattr(world.theirs, "pk" if foreign == "appointment" else "application_id"))
    response = supervisor_client.post(f"{PARTICIPANTS}add/", data)
    assert response.status_code == 200
    assert foreign in response.context["adminform"].form.errors
    assert not Participant.objects.filter(participant_id="sneaky").exists()

    data[foreign] = str(getattr(world.mine, "pk" if foreign == "appointment" else "application_id"))
    assert supervisor_client.post(f"{PARTICIPANTS}add/", data).status_code == 302
    assert Participant.objects.get(participant_id="sneaky").application_id == world.mine.application_id


def test_moving_a_row_to_another_application_is_refused(supervisor_client, world):
    url = f"{APPOINTMENTS}{world.mine.pk}/change/"
    data = submitted_data(supervisor_client.get(url))
    data["application"] = str(world.theirs.application_id)
    response = supervisor_client.post(url, data)
    assert "application" in response.context["adminform"].form.errors
    world.mine.refresh_from_db()
    assert world.mine.application_id != world.theirs.application_id


@pytest.mark.parametrize("page", ["change", "delete", "history"])
def test_another_applications_row_by_url_does_not_exist(supervisor_client, world, page):
    url = f"{APPOINTMENTS}{world.theirs.pk}/{page}/"
    response = supervisor_client.get(url)
    assert response.status_code == 302 and response.url == "/probe-admin/"
    followed = supervisor_client.get(url, follow=True)
    assert NOT_FOUND in followed.content.decode()
    _assert_no_trace_of_b(followed, world)


@pytest.mark.parametrize("page", ["change", "delete"])
def test_posting_to_another_applications_row_changes_nothing(supervisor_client, world, page):
    url = f"{APPOINTMENTS}{world.theirs.pk}/{page}/"
    response = supervisor_client.post(url, {"post": "yes", "title": "pwned", "application": "x"})
    assert response.status_code == 302 and response.url == "/probe-admin/"
    world.theirs.refresh_from_db()
    assert world.theirs.title == "Globex secret review"


def test_actions_run_only_on_the_supervisors_rows(supervisor_client, world):
    selected = [str(world.mine.pk), str(world.theirs.pk)]
    supervisor_client.post(APPOINTMENTS, {"action": "mark_reviewed", "_selected_action": selected})
    assert Appointment.objects.get(pk=world.mine.pk).notes == "reviewed"
    assert Appointment.objects.get(pk=world.theirs.pk).notes == ""

    supervisor_client.post(
        APPOINTMENTS, {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    )
    assert not Appointment.objects.filter(pk=world.mine.pk).exists()
    assert Appointment.objects.filter(pk=world.theirs.pk).exists()


def test_autocomplete_offers_only_the_supervisors_rows(supervisor_client, world, application):
    def ids(field_name):
        response = supervisor_client.get(
            "/probe-admin/autocomplete/",
            {"app_label": "participants", "model_name": "participant", "field_name": field_name, "term": ""},
        )
        assert response.status_code == 200
        return {result["id"] for result in response.json()["results"]}

    assert ids("appointment") == {str(world.mine.pk)}
    assert ids("application") == {str(application.pk)}


def test_inline_shows_the_rows_own_participants_and_new_ones_inherit_the_application(
    supervisor_client, world
):
    url = f"{APPOINTMENTS}{world.mine.pk}/change/"
    response = supervisor_client.get(url)
    (inline,) = response.context["inline_admin_formsets"]
    assert {form.instance.pk for form in inline.formset.forms} == {
        p.pk for p in world.mine.participants.all()
    }
    assert "application" not in inline.formset.forms[0].fields
    _assert_no_trace_of_b(response, world)

    data = submitted_data(response)
    index = int(data["participants-TOTAL_FORMS"])
    data["participants-TOTAL_FORMS"] = str(index + 1)
    data |= {
        f"participants-{index}-participant_id": "carol",
        f"participants-{index}-type": ParticipantType.CUSTOMER,
        f"participants-{index}-first_name": "Carol",
        f"participants-{index}-email": "carol@acme.example",
    }
    assert supervisor_client.post(url, data).status_code == 302
    carol = Participant.objects.get(participant_id="carol")
    assert (carol.appointment_id, carol.application_id) == (world.mine.pk, world.mine.application_id)


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_lookup_through_another_row_scopes_and_guards(supervisor, world):
    model_admin = ParticipantByAppointmentAdmin(Participant, probe_site)
    request = _request(supervisor)
    assert set(model_admin.get_queryset(request)) == set(world.mine.participants.all())
    assert model_admin.has_change_permission(request, world.my_customer) is True
    assert model_admin.has_view_permission(request, world.their_customer) is False
    assert model_admin.has_delete_permission(request, world.their_customer) is False

    orphan = Participant(participant_id="orphan", type=ParticipantType.CUSTOMER)
    assert application_id_of(orphan, "appointment__application") is None
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, orphan, form=None, change=False)


def test_saving_a_row_of_another_application_is_refused_even_without_a_form(supervisor, world):
    model_admin = AppointmentProbeAdmin(Appointment, probe_site)
    world.theirs.title = "pwned"
    with pytest.raises(PermissionDenied):
        model_admin.save_model(_request(supervisor), world.theirs, form=None, change=True)
    world.theirs.refresh_from_db()
    assert world.theirs.title == "Globex secret review"


def test_a_staff_user_without_membership_and_an_anonymous_user_see_nothing(world, django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    for user in (staff, AnonymousUser()):
        assert not AppointmentProbeAdmin(Appointment, probe_site).get_queryset(_request(user)).exists()
        assert not ParticipantProbeAdmin(Participant, probe_site).get_queryset(_request(user)).exists()


@pytest.mark.parametrize(
    ("model", "lookup", "valid"),
    [
        (Participant, "application", True),
        (Participant, "appointment__application", True),
        (Participant, "appointment", False),
        (Participant, "first_name", False),
        (Participant, "pk", False),
        (Appointment, "participants__application", False),
        (Appointment, "no_such_field", False),
    ],
)
def test_system_check_refuses_a_lookup_that_does_not_reach_an_application(model, lookup, valid):
    model_admin_class = type(
        "ProbeAdmin", (TenantScopedAdmin, admin.ModelAdmin), {"application_lookup": lookup}
    )
    errors = [e for e in model_admin_class(model, probe_site).check() if e.id == "tenants.E001"]
    assert (errors == []) is valid


def test_console_principal_acts_in_the_supervisors_applications_only(
    supervisor, application, other_application
):
    principal = console_principal(_request(supervisor), application)
    assert principal.application_id == application.pk
    assert principal.organization_id == application.organization_id
    assert principal.user_id == "admin:supervisor"
    assert principal.has_role(Role.SUPERVISOR) and principal.has_role(Role.ADMIN)
    with pytest.raises(PermissionDenied):
        console_principal(_request(supervisor), other_application)


def test_console_principal_of_a_superuser_acts_anywhere(superuser, other_application):
    assert console_principal(_request(superuser), other_application).application_id == other_application.pk
