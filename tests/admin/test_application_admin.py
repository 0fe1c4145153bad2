"""The Applications admin: a supervisor tunes their own applications and meets no other."""

import pytest

from notifications.admin.senders import ApplicationConsoleAdmin
from tenants.application_settings import APPLICATION_SETTINGS_CHANGED
from tenants.models import Application, ApplicationKind
from tests.admin.forms import submitted_data
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

APPLICATIONS = "/admin/tenants/application/"
NOT_FOUND = "doesn’t exist"


@pytest.fixture
def supervisor(make_supervisor, application):
    return make_supervisor(application)


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def _assert_no_trace_of(response, app: Application):
    body = response.content.decode()
    assert app.name not in body and app.organization_id not in body


def test_supervisor_lists_only_their_applications(supervisor_client, application, other_application):
    response = supervisor_client.get(APPLICATIONS)
    assert list(response.context["cl"].result_list) == [application]
    _assert_no_trace_of(response, other_application)
    searched = supervisor_client.get(APPLICATIONS, {"q": other_application.name})
    assert list(searched.context["cl"].result_list) == []


def test_superuser_lists_every_application(client, superuser, application, other_application):
    client.force_login(superuser)
    response = client.get(APPLICATIONS)
    assert set(response.context["cl"].result_list) == {application, other_application}


@pytest.mark.parametrize("page", ["change", "history"])
def test_another_application_by_url_does_not_exist(supervisor_client, other_application, page):
    url = f"{APPLICATIONS}{other_application.pk}/{page}/"
    response = supervisor_client.get(url)
    assert response.status_code == 302 and response.url == "/admin/"
    followed = supervisor_client.get(url, follow=True)
    assert NOT_FOUND in followed.content.decode()
    _assert_no_trace_of(followed, other_application)


def test_delete_page_of_another_application_is_refused_like_their_own(
    supervisor_client, application, other_application
):
    # Supervisors never delete applications: the answer is the same 403 for
    # theirs and another's, so it tells nothing about the other's existence.
    for app in (application, other_application):
        for method in (supervisor_client.get, supervisor_client.post):
            response = method(f"{APPLICATIONS}{app.pk}/delete/", {"post": "yes"})
            assert response.status_code == 403
            _assert_no_trace_of(response, other_application)
    assert Application.objects.count() == 2


def test_posting_a_change_to_another_application_changes_nothing(supervisor_client, other_application):
    url = f"{APPLICATIONS}{other_application.pk}/change/"
    response = supervisor_client.post(url, {"name": "pwned", "auto_activate": "on"})
    assert response.status_code == 302 and response.url == "/admin/"
    other_application.refresh_from_db()
    assert (other_application.name, other_application.auto_activate) == ("Globex Care", False)


def test_unknown_and_malformed_ids_are_not_found_alike(supervisor_client):
    for key in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = supervisor_client.get(f"{APPLICATIONS}{key}/change/")
        assert response.status_code == 302 and response.url == "/admin/"


def test_supervisor_switches_behaviour_but_not_organization_or_kind(supervisor_client, application):
    url = f"{APPLICATIONS}{application.pk}/change/"
    response = supervisor_client.get(url)
    form = response.context["adminform"].form
    assert {"auto_activate", "notifications_active", "name"} <= set(form.fields)
    assert not {"organization_id", "kind"} & set(form.fields)

    data = submitted_data(response) | {
        "auto_activate": "on",
        "notifications_active": "on",
        "organization_id": "org-hijacked",
        "kind": ApplicationKind.TALKDESK,
    }
    assert supervisor_client.post(url, data).status_code == 302
    application.refresh_from_db()
    assert application.auto_activate and application.notifications_active
    assert (application.organization_id, application.kind) == ("org-acme", ApplicationKind.GENESYS)


def test_supervisor_can_neither_add_nor_delete_applications(supervisor_client, application):
    assert supervisor_client.get(f"{APPLICATIONS}add/").status_code == 403
    assert supervisor_client.get(f"{APPLICATIONS}{application.pk}/delete/").status_code == 403
    # "Delete selected" is not theirs; re-planning their booked appointments is their only action.
    actions = supervisor_client.get(APPLICATIONS).context["action_form"].fields["action"].choices
    assert [name for name, _ in actions if name] == ["replan_booked"]
    supervisor_client.post(
        APPLICATIONS, {"action": "delete_selected", "_selected_action": [str(application.pk)], "post": "yes"}
    )
    assert Application.objects.filter(pk=application.pk).exists()


def test_superuser_adds_deletes_and_manages_supervisors(client, superuser, application, supervisor):
    client.force_login(superuser)
    assert client.get(f"{APPLICATIONS}add/").status_code == 200
    assert client.get(f"{APPLICATIONS}{application.pk}/delete/").status_code == 200
    response = client.get(f"{APPLICATIONS}{application.pk}/change/")
    (inline,) = response.context["inline_admin_formsets"]
    assert [form.instance.user for form in inline.formset.forms] == [supervisor]
    form = response.context["adminform"].form
    assert {"organization_id", "kind"} <= set(form.fields)


def test_supervisor_cannot_reach_memberships_or_users(supervisor_client, application):
    for url in ("/admin/tenants/supervisormembership/", "/admin/auth/user/", "/admin/auth/group/"):
        assert supervisor_client.get(url).status_code == 403, url
    response = supervisor_client.get(f"{APPLICATIONS}{application.pk}/change/")
    assert response.context["inline_admin_formsets"] == []
    index = supervisor_client.get("/admin/").content.decode()
    assert "Supervisor memberships" not in index and "Users" not in index


def test_autocomplete_of_applications_offers_only_the_supervisors(
    supervisor_client, client, superuser, application, other_application
):
    query = {"app_label": "tenants", "model_name": "supervisormembership", "field_name": "application"}

    def ids(http):
        response = http.get("/admin/autocomplete/", {**query, "term": ""})
        assert response.status_code == 200
        return {result["id"] for result in response.json()["results"]}

    assert ids(supervisor_client) == {str(application.pk)}
    client.force_login(superuser)
    assert ids(client) == {str(application.pk), str(other_application.pk)}


def test_staff_without_membership_sees_no_application(client, django_user_model, application):
    from tenants.supervisors import supervisor_group_sync

    staff = django_user_model.objects.create_user("staff", is_staff=True)
    staff.groups.add(supervisor_group_sync())
    client.force_login(staff)
    assert list(client.get(APPLICATIONS).context["cl"].result_list) == []


def test_supervisor_sets_the_region_for_national_phone_numbers(supervisor_client, application):
    url = f"{APPLICATIONS}{application.pk}/change/"
    response = supervisor_client.get(url)
    # The console's Applications admin (with the senders) still offers the field.
    assert isinstance(response.context["adminform"].model_admin, ApplicationConsoleAdmin)
    assert "default_region" in response.context["adminform"].form.fields
    assert "GR (+30)" in response.content.decode()

    assert supervisor_client.post(url, submitted_data(response) | {"default_region": "GR"}).status_code == 302
    application.refresh_from_db()
    assert application.default_region == "GR"

    # Blank again: numbers must then be written with + and their country code.
    assert supervisor_client.post(url, submitted_data(response) | {"default_region": ""}).status_code == 302
    application.refresh_from_db()
    assert application.default_region == ""


@pytest.mark.parametrize("region", ["ZZ", "gr", "Greece"])
def test_an_unknown_region_is_refused_on_the_field(supervisor_client, application, region):
    url = f"{APPLICATIONS}{application.pk}/change/"
    data = submitted_data(supervisor_client.get(url)) | {"default_region": region}

    response = supervisor_client.post(url, data)

    assert response.status_code == 200
    assert "default_region" in response.context["adminform"].form.errors
    application.refresh_from_db()
    assert application.default_region == ""


def test_supervisor_sets_reach_settings_through_the_same_service_as_the_api(supervisor_client, application):
    seen = []
    APPLICATION_SETTINGS_CHANGED.subscribe(seen.append)
    url = f"{APPLICATIONS}{application.pk}/change/"
    try:
        data = submitted_data(supervisor_client.get(url))
        data.update(quiet_hours_start="21:30", quiet_hours_end="07:00", sms_fallback_to_email="on")
        response = supervisor_client.post(url, data)
    finally:
        APPLICATION_SETTINGS_CHANGED.unsubscribe(seen.append)

    assert response.status_code == 302
    application.refresh_from_db()
    assert (str(application.quiet_hours_start), str(application.quiet_hours_end)) == ("21:30:00", "07:00:00")
    assert application.sms_fallback_to_email is True
    assert [set(event.previous) for event in seen] == [
        {"quiet_hours_start", "quiet_hours_end", "sms_fallback_to_email"}
    ]


def test_half_a_quiet_window_is_a_form_error_and_saves_nothing(supervisor_client, application):
    url = f"{APPLICATIONS}{application.pk}/change/"
    data = submitted_data(supervisor_client.get(url))
    data.update(quiet_hours_start="21:30", name="Renamed")

    response = supervisor_client.post(url, data)

    assert response.status_code == 200
    assert "Quiet hours need a start and an end" in response.content.decode()
    application.refresh_from_db()
    assert (application.quiet_hours_start, application.name) == (None, "Acme Support")


def test_turning_on_no_overlap_while_an_agent_is_double_booked_is_a_form_error_listing_them(
    supervisor_client, application
):
    first = AppointmentFactory(application=application, organizer_id="agent-1")
    second = AppointmentFactory(application=application, organizer_id="agent-1", start=first.start)
    url = f"{APPLICATIONS}{application.pk}/change/"
    data = submitted_data(supervisor_client.get(url))
    data.update(prevent_agent_overlap="on", name="Renamed")

    response = supervisor_client.post(url, data)

    assert response.status_code == 200
    earlier, later = sorted([first.pk, second.pk])  # the same start: listed in order of id
    assert response.context["adminform"].form.errors["prevent_agent_overlap"] == [
        f"agent agent-1: appointment {earlier} overlaps appointment {later}"
    ]
    application.refresh_from_db()
    assert (application.prevent_agent_overlap, application.name) == (False, "Acme Support")
