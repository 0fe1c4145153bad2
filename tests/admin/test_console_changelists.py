"""Console change lists cost the same queries for 1 row and for 50; participants of B stay hidden."""

from datetime import timedelta
from itertools import count

import pytest

from notifications.models import Channel
from notifications.services import template_create, webhook_endpoint_create
from participants.models import Participant
from tests.admin.querycounts import assert_changelist_queries_constant
from tests.factories import AppointmentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = "doesn’t exist"


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


def _rows_in_both(make_mine, make_theirs):
    """add_rows(n) that adds n rows the supervisor sees, and as many of another tenant that must not cost."""

    def add_rows(n: int) -> None:
        for _ in range(n):
            make_mine()
            make_theirs()

    return add_rows


def test_appointments(supervisor_client, application, other_application):
    def mine():
        appointment = AppointmentFactory(application=application)
        CustomerFactory(appointment=appointment)

    add_rows = _rows_in_both(mine, lambda: AppointmentFactory(application=other_application))
    queries = assert_changelist_queries_constant(
        supervisor_client, "/admin/appointments/appointment/", add_rows
    )
    assert queries <= 12


def test_appointments_searched_through_participants(supervisor_client, application, other_application):
    def mine():
        appointment = AppointmentFactory(application=application)
        CustomerFactory(appointment=appointment, first_name="Alice")
        CustomerFactory(appointment=appointment, first_name="Alicia")

    add_rows = _rows_in_both(mine, lambda: CustomerFactory(appointment__application=other_application))
    assert_changelist_queries_constant(supervisor_client, "/admin/appointments/appointment/?q=Alic", add_rows)


def test_participants(supervisor_client, application, other_application):
    add_rows = _rows_in_both(
        lambda: CustomerFactory(
            appointment=AppointmentFactory(application=application, with_organizer=False)
        ),
        lambda: CustomerFactory(
            appointment=AppointmentFactory(application=other_application, with_organizer=False)
        ),
    )
    assert_changelist_queries_constant(supervisor_client, "/admin/participants/participant/", add_rows)


def test_templates(supervisor_client, application, other_application):
    periods = count()

    def template(app):
        # Distinct REMINDER periods keep every template unique.
        return lambda: template_create(
            application=app,
            type="REMINDER",
            channel=Channel.SMS,
            locale="en_US",
            period=timedelta(minutes=next(periods) + 1),
            text_body="Hi {{firstName}}",
        )

    add_rows = _rows_in_both(template(application), template(other_application))
    assert_changelist_queries_constant(
        supervisor_client, "/admin/notifications/notificationtemplate/", add_rows
    )


def test_webhooks(supervisor_client, application, other_application):
    def webhook(app):
        return lambda: webhook_endpoint_create(
            application=app, url="https://hooks.example.com/in", events=["CREATE"], secret="x" * 20
        )

    add_rows = _rows_in_both(webhook(application), webhook(other_application))
    assert_changelist_queries_constant(supervisor_client, "/admin/notifications/webhookendpoint/", add_rows)


# --- participants by URL ---------------------------------------------------------------------


def test_participants_list_and_another_applications_participant_by_url(
    supervisor_client, application, other_application
):
    mine = CustomerFactory(appointment__application=application, email="alice@acme.example")
    theirs = CustomerFactory(appointment__application=other_application, email="bob@globex.example")
    listing = supervisor_client.get("/admin/participants/participant/")
    assert mine in listing.context["cl"].result_list
    assert theirs not in listing.context["cl"].result_list
    for page in ("change", "history"):
        response = supervisor_client.get(f"/admin/participants/participant/{theirs.pk}/{page}/", follow=True)
        assert response.redirect_chain == [("/admin/", 302)], page
        body = response.content.decode()
        assert NOT_FOUND in body and "bob@globex.example" not in body
    # Nobody deletes participants in the console: the same 403 for theirs and for mine tells nothing.
    for participant in (mine, theirs):
        response = supervisor_client.get(f"/admin/participants/participant/{participant.pk}/delete/")
        assert response.status_code == 403 and "bob@globex.example" not in response.content.decode()


def test_participants_are_read_only_in_the_console(supervisor_client, application):
    mine = CustomerFactory(appointment__application=application, first_name="Alice")
    url = f"/admin/participants/participant/{mine.pk}/change/"
    page = supervisor_client.get(url)
    assert page.status_code == 200 and "alice" in page.content.decode().lower()
    supervisor_client.post(url, {"first_name": "Mallory"})
    assert Participant.objects.get(pk=mine.pk).first_name == "Alice"
    assert supervisor_client.get("/admin/participants/participant/add/").status_code == 403
