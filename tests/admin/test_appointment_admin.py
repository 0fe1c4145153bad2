"""The appointments admin: scoped to the supervisor, every change through the appointment services."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from appointments.models import Appointment, InteractionState
from tenants.application_settings import application_settings_update
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/admin/appointments/appointment/"
NOT_FOUND = "doesn’t exist"


@pytest.fixture
def world(application, other_application):
    mine = AppointmentFactory(application=application, title="Acme kickoff", organizer_id="agent-dana")
    CustomerFactory(appointment=mine, first_name="Alice", last_name="Liddell", email="alice@acme.example")
    CustomerFactory(appointment=mine, first_name="Alicia", last_name="Keys", email="alicia@acme.example")
    theirs = AppointmentFactory(application=other_application, title="Globex secret review", notes="merger")
    CustomerFactory(appointment=theirs, first_name="Alice", email="alice@globex.example")
    return SimpleNamespace(mine=mine, theirs=theirs)


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


def _change_data(appointment: Appointment, **overrides) -> dict:
    """The change form as a browser posts it: start as local date and time in the appointment's zone."""
    local = appointment.start.astimezone(ZoneInfo(appointment.timezone))
    data = {
        "title": appointment.title,
        "notes": appointment.notes,
        "start_0": local.strftime("%Y-%m-%d"),
        "start_1": local.strftime("%H:%M:%S"),
        "duration": "00:30:00",
        "timezone": appointment.timezone,
        # The read-only participants inline still posts its management form.
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
    }
    return data | overrides


def _results(response) -> list[Appointment]:
    return list(response.context["cl"].result_list)


def test_supervisor_lists_only_their_appointments_in_local_time(supervisor_client, world):
    response = supervisor_client.get(APPOINTMENTS)
    assert _results(response) == [world.mine]
    body = response.content.decode()
    assert "Globex" not in body
    # 19:00 UTC is 20:00 in Berlin in winter; the row shows the appointment's own zone.
    assert "31 Jan 2030 20:00 CET" in body
    assert "30 min" in body and "agent-dana (agent)" in body and "scheduled" in body
    row = response.context["cl"].result_list[0]
    assert row.participant_total == 3  # the organizer and two customers


@pytest.mark.parametrize(
    "term", ["kickoff", "alice@acme.example", "Liddell", "Alic", "+302102234988", "Globex", "merger"]
)
def test_search_reaches_participants_without_duplicates_or_other_tenants(supervisor_client, world, term):
    found = _results(supervisor_client.get(APPOINTMENTS, {"q": term}))
    expected = [] if term in ("Globex", "merger") else [world.mine]
    # "Alic" and the phone match two participants of the same appointment: still one row.
    assert found == expected


def test_status_filter(supervisor_client, application, world):
    activated = AppointmentFactory(application=application, room_url="https://room.example/q/abc")
    completed = AppointmentFactory(application=application, interaction_state=InteractionState.COMPLETE)
    for status, expected in [("scheduled", world.mine), ("activated", activated), ("completed", completed)]:
        assert _results(supervisor_client.get(APPOINTMENTS, {"status": status})) == [expected]


def test_organizer_filter_offers_only_their_organizers(supervisor_client, world):
    response = supervisor_client.get(APPOINTMENTS)
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == "organizer")
    assert [value for value, _ in spec.lookup_choices] == ["agent-dana"]
    filtered = supervisor_client.get(APPOINTMENTS, {"organizer": world.theirs.organizer_id})
    assert _results(filtered) == []


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_another_applications_appointment_by_url_does_not_exist(supervisor_client, world, page):
    url = f"{APPOINTMENTS}{world.theirs.pk}/{page}/"
    response = supervisor_client.get(url, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    body = response.content.decode()
    assert NOT_FOUND in body and "Globex" not in body and "merger" not in body


def test_posting_to_another_applications_appointment_changes_nothing(supervisor_client, world):
    theirs = world.theirs
    data = _change_data(theirs, title="pwned", start_0="2031-01-01")
    response = supervisor_client.post(f"{APPOINTMENTS}{theirs.pk}/change/", data)
    assert response.status_code == 302 and response.url == "/admin/"
    supervisor_client.post(f"{APPOINTMENTS}{theirs.pk}/delete/", {"post": "yes"})
    theirs.refresh_from_db()
    assert (theirs.title, theirs.version, theirs.start.year) == ("Globex secret review", 1, 2030)


def test_rescheduling_in_the_change_form_goes_through_the_service(supervisor_client, world):
    mine = world.mine
    url = f"{APPOINTMENTS}{mine.pk}/change/"
    page = supervisor_client.get(url)
    assert page.context["adminform"].form.initial["start"] == datetime(2030, 1, 31, 20, 0)

    response = supervisor_client.post(url, _change_data(mine, start_1="21:30:00", duration="01:00:00"))
    assert response.status_code == 302, response.context["adminform"].form.errors

    mine.refresh_from_db()
    assert mine.start == datetime(2030, 1, 31, 20, 30, tzinfo=UTC)
    assert mine.end == datetime(2030, 1, 31, 21, 30, tzinfo=UTC)
    # The change hook ran exactly once, as a reschedule: version and iCalendar sequence moved by one.
    assert (mine.version, mine.sequence) == (2, 1)
    listing = supervisor_client.get(APPOINTMENTS).content.decode()
    assert "31 Jan 2030 21:30 CET" in listing and "1 h" in listing


def test_a_new_time_zone_reads_the_typed_time_in_that_zone(supervisor_client, world):
    mine = world.mine
    data = _change_data(mine, timezone="America/New_York", start_1="09:00:00")
    supervisor_client.post(f"{APPOINTMENTS}{mine.pk}/change/", data)
    mine.refresh_from_db()
    assert (mine.start, mine.timezone, mine.sequence) == (
        datetime(2030, 1, 31, 14, 0, tzinfo=UTC),
        "America/New_York",
        1,
    )


def test_changing_only_the_title_is_an_update_not_a_reschedule(supervisor_client, world):
    mine = world.mine
    supervisor_client.post(f"{APPOINTMENTS}{mine.pk}/change/", _change_data(mine, title="Acme follow-up"))
    mine.refresh_from_db()
    assert (mine.title, mine.version, mine.sequence) == ("Acme follow-up", 2, 0)


def test_saving_without_changes_changes_nothing(supervisor_client, world):
    mine = world.mine
    supervisor_client.post(f"{APPOINTMENTS}{mine.pk}/change/", _change_data(mine))
    mine.refresh_from_db()
    assert (mine.version, mine.sequence) == (1, 0)


def test_a_refusal_of_the_service_is_a_form_error_and_nothing_is_written(supervisor_client, world):
    mine = world.mine
    # The new title alone would be accepted; the duration is refused by appointment_reschedule.
    data = _change_data(mine, title="Half-written?", duration="200:00:00")
    response = supervisor_client.post(f"{APPOINTMENTS}{mine.pk}/change/", data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["duration"] == ["must not exceed P7D"]
    mine.refresh_from_db()
    assert (mine.title, mine.duration, mine.version) == ("Acme kickoff", timedelta(minutes=30), 1)


def test_a_reschedule_that_double_books_the_agent_is_a_form_error_naming_the_appointment(
    supervisor_client, world, application
):
    application_settings_update(application=application, values={"prevent_agent_overlap": True})
    mine = world.mine  # agent-dana, 19:00-19:30 UTC
    later = AppointmentFactory(
        application=application, organizer_id="agent-dana", start=mine.end + timedelta(hours=2)
    )
    # 20:10 in Berlin is 19:10 UTC.
    data = _change_data(later, title="Moved?", start_0="2030-01-31", start_1="20:10:00")
    response = supervisor_client.post(f"{APPOINTMENTS}{later.pk}/change/", data)

    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith(
        f"agent agent-dana already organizes appointment {mine.pk} from 2030-01-31T19:00:00Z"
    )
    stored = Appointment.objects.get(pk=later.pk)
    assert (stored.title, stored.start, stored.version) == (later.title, later.start, 1)


def test_a_local_time_the_clocks_skip_is_refused(supervisor_client, world):
    mine = world.mine
    # 31 March 2030, 02:30 does not exist in Berlin: clocks go from 02:00 to 03:00.
    data = _change_data(mine, start_0="2030-03-31", start_1="02:30:00")
    response = supervisor_client.post(f"{APPOINTMENTS}{mine.pk}/change/", data)
    assert "does not exist in Europe/Berlin" in response.context["adminform"].form.errors["start"][0]
    mine.refresh_from_db()
    assert mine.version == 1


def test_appointments_are_not_added_in_the_console(supervisor_client, client, superuser):
    assert supervisor_client.get(f"{APPOINTMENTS}add/").status_code == 403
    client.force_login(superuser)
    assert client.get(f"{APPOINTMENTS}add/").status_code == 403


def test_the_participants_inline_is_read_only(supervisor_client, world):
    response = supervisor_client.get(f"{APPOINTMENTS}{world.mine.pk}/change/")
    (inline,) = response.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_delete_permission
    assert set(inline.formset.forms[0].fields) <= {"id", "appointment"}
    assert "alice@acme.example" in response.content.decode()


# --- actions -----------------------------------------------------------------------


def _action(client, name, *appointments, confirm=False):
    data = {"action": name, "_selected_action": [str(a.pk) for a in appointments]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(APPOINTMENTS, data)


def test_activate_asks_first_then_activates(supervisor_client, world):
    mine = world.mine
    page = _action(supervisor_client, "activate_selected", mine)

    assert page.status_code == 200
    assert page.templates[0].name == "admin/console/confirm_action.html"
    body = page.content.decode()
    assert "Acme kickoff" in body and "csrfmiddlewaretoken" in body
    assert 'name="confirm" value="yes"' in body and 'value="activate_selected"' in body
    mine.refresh_from_db()
    assert not mine.is_activated  # Asking changes nothing.

    done = _action(supervisor_client, "activate_selected", mine, confirm=True)
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.is_activated and mine.version == 2
    messages = [str(m) for m in supervisor_client.get(APPOINTMENTS).context["messages"]]
    assert messages == ["Activated 1 appointment(s)."]


def test_actions_never_reach_another_applications_rows(supervisor_client, world):
    page = _action(supervisor_client, "activate_selected", world.mine, world.theirs)
    assert [str(obj) for obj in page.context["objects"]] == ["Acme kickoff"]
    _action(supervisor_client, "activate_selected", world.mine, world.theirs, confirm=True)
    _action(supervisor_client, "cancel_selected", world.theirs, confirm=True)
    world.theirs.refresh_from_db()
    assert not world.theirs.is_activated and world.theirs.version == 1


def test_cancel_asks_then_deletes_through_the_service(supervisor_client, world):
    page = _action(supervisor_client, "cancel_selected", world.mine)
    assert "CANCEL notifications" in page.content.decode()
    assert Appointment.objects.filter(pk=world.mine.pk).exists()

    _action(supervisor_client, "cancel_selected", world.mine, confirm=True)
    assert not Appointment.objects.filter(pk=world.mine.pk).exists()
    assert Appointment.objects.filter(pk=world.theirs.pk).exists()


def test_end_interaction_after_confirmation(supervisor_client, world):
    _action(supervisor_client, "end_selected", world.mine)
    world.mine.refresh_from_db()
    assert world.mine.interaction_state == InteractionState.PENDING
    _action(supervisor_client, "end_selected", world.mine, confirm=True)
    world.mine.refresh_from_db()
    assert world.mine.interaction_state == InteractionState.COMPLETE


def test_delete_selected_is_replaced_by_cancel(supervisor_client, world):
    actions = dict(supervisor_client.get(APPOINTMENTS).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert {"activate_selected", "end_selected", "cancel_selected"} <= set(actions)


def test_the_delete_page_deletes_through_the_service(supervisor_client, world):
    response = supervisor_client.post(f"{APPOINTMENTS}{world.mine.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Appointment.objects.filter(pk=world.mine.pk).exists()
