"""The delivery log and SMS opt-outs in the console: read-only, scoped, retry and opt back in."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from notifications.models import Delivery, DeliveryChannel, DeliveryStatus, NotificationType, SmsOptOut
from notifications.pipeline.states import WORKER_LOST
from tenants.supervisors import SUPERVISORS_GROUP
from tests.admin.deliveries import make_delivery
from tests.admin.querycounts import assert_changelist_queries_constant
from tests.factories import ApplicationFactory, AppointmentFactory

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/notifications/delivery/"
OPT_OUTS = "/admin/notifications/smsoptout/"
NOT_FOUND = "doesn’t exist"
B_SECRETS = ("Globex secret review", "bob@globex.example", "+306900000002", "Globex Care")


@pytest.fixture
def world(application, other_application):
    mine = AppointmentFactory(application=application, title="Acme kickoff")
    theirs = AppointmentFactory(application=other_application, title="Globex secret review")
    return SimpleNamespace(
        mine=mine,
        theirs=theirs,
        sent=make_delivery(mine, recipient="alice@acme.example", status=DeliveryStatus.SENT, attempts=1),
        failed=make_delivery(
            mine,
            recipient="alicia@acme.example",
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_error="SMTP 550 mailbox unavailable " + "x" * 200,
        ),
        lost=make_delivery(
            mine,
            channel=DeliveryChannel.SMS,
            recipient="+306900000001",
            status=DeliveryStatus.FAILED,
            attempts=1,
            last_error=WORKER_LOST,
        ),
        their_failed=make_delivery(
            theirs, recipient="bob@globex.example", status=DeliveryStatus.FAILED, last_error="refused"
        ),
        my_opt_out=SmsOptOut.objects.create(application=application, phone="+306900000001", reason="STOP"),
        their_opt_out=SmsOptOut.objects.create(
            application=other_application, phone="+306900000002", reason="STOP"
        ),
    )


@pytest.fixture
def supervisor_client(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    return client


def _shown(response) -> list:
    return list(response.context["cl"].result_list)


def _assert_no_trace_of_b(response):
    body = response.content.decode()
    for secret in B_SECRETS:
        assert secret not in body


# --- the log -----------------------------------------------------------------------------


def test_supervisor_sees_only_their_deliveries_with_every_column(supervisor_client, world):
    response = supervisor_client.get(DELIVERIES)
    assert set(_shown(response)) == {world.sent, world.failed, world.lost}
    _assert_no_trace_of_b(response)
    body = response.content.decode()
    columns = ["appointment", "type", "channel", "recipient", "status", "attempts", "due_at", "sent_at"]
    for column in [*columns, "last_error_short", "provider_status"]:
        assert f"column-{column}" in body
    # The error is cut short in the column and whole in its tooltip.
    error = world.failed.last_error
    assert f'<span title="{error}">{error[:79]}…</span>' in body
    assert f'href="/admin/appointments/appointment/{world.mine.pk}/change/"' in body


def test_the_log_is_read_only(supervisor_client, client, superuser, world):
    for user_client in (supervisor_client,):
        assert user_client.get(f"{DELIVERIES}add/").status_code == 403
        page = user_client.get(f"{DELIVERIES}{world.failed.pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        posted = user_client.post(f"{DELIVERIES}{world.failed.pk}/change/", {"status": "SENT"})
        assert posted.status_code == 403
        assert user_client.post(f"{DELIVERIES}{world.failed.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(superuser)
    assert client.get(f"{DELIVERIES}add/").status_code == 403
    world.failed.refresh_from_db()
    assert world.failed.status == DeliveryStatus.FAILED


@pytest.mark.parametrize("page", ["change", "history"])
def test_another_applications_delivery_by_url_does_not_exist(supervisor_client, world, page):
    url = f"{DELIVERIES}{world.their_failed.pk}/{page}/"
    response = supervisor_client.get(url)
    assert response.status_code == 302 and response.url == "/admin/"
    followed = supervisor_client.get(url, follow=True)
    assert NOT_FOUND in followed.content.decode()
    _assert_no_trace_of_b(followed)


def test_the_delete_page_is_forbidden_for_every_application_alike(supervisor_client, world):
    # Nobody deletes from the log: 403 before any lookup, so B's row is neither shown nor confirmed.
    for row in (world.failed, world.their_failed):
        response = supervisor_client.get(f"{DELIVERIES}{row.pk}/delete/")
        assert response.status_code == 403
        _assert_no_trace_of_b(response)


def test_filters_and_search(supervisor_client, world):
    def shown(query: str) -> set:
        return set(_shown(supervisor_client.get(f"{DELIVERIES}?{query}")))

    assert shown("status__exact=FAILED") == {world.failed, world.lost}
    assert shown("failure=lost-worker") == {world.lost}
    assert shown("failure=provider") == {world.failed}
    assert shown("channel__exact=SMS") == {world.lost}
    assert shown("type__exact=UPDATE") == {world.sent, world.failed, world.lost}
    assert shown("type__exact=CANCEL") == set()
    assert shown("q=alicia@acme") == {world.failed}
    assert shown(f"q={str(world.mine.pk)[:13]}") == {world.sent, world.failed, world.lost}
    # Another application's recipient or appointment id finds nothing.
    assert shown("q=bob@globex") == set()
    assert shown(f"q={world.theirs.pk}") == set()
    due = world.sent.due_at
    assert shown(f"due_at__year={due.year}&due_at__month={due.month}") == {
        world.sent,
        world.failed,
        world.lost,
    }


def test_application_filter_offers_only_the_supervisors_applications(
    client, make_supervisor, application, other_application, world
):
    third = ApplicationFactory(name="Initech Help")
    # Two applications, so that the application filter is shown and applied.
    client.force_login(make_supervisor(application, third))
    response = client.get(DELIVERIES)
    spec = next(
        s for s in response.context["cl"].filter_specs if getattr(s, "field_path", None) == "application"
    )
    assert {pk for pk, _ in spec.lookup_choices} == {application.pk, third.pk}
    filtered = client.get(DELIVERIES, {"application__id__exact": str(other_application.pk)})
    assert _shown(filtered) == []
    _assert_no_trace_of_b(filtered)


def test_superuser_sees_every_application(client, superuser, world):
    client.force_login(superuser)
    assert len(_shown(client.get(DELIVERIES))) == 4


# --- retry ---------------------------------------------------------------------------------


def _post_action(client, url, action, *rows, confirm=False, **extra):
    data = {"action": action, "_selected_action": [str(row.pk) for row in rows], **extra}
    if confirm:
        data["confirm"] = "yes"
    return client.post(url, data)


def test_retry_asks_first_then_queues_only_the_failed_rows_of_the_supervisor(supervisor_client, world):
    selected = (world.sent, world.failed, world.lost, world.their_failed)
    before = set(Delivery.objects.values_list("pk", flat=True))

    page = _post_action(supervisor_client, DELIVERIES, "retry_failed", *selected)
    assert page.status_code == 200
    assert set(page.context["objects"]) == {world.failed, world.lost}
    assert "worker was lost while sending" in page.content.decode()
    assert set(Delivery.objects.values_list("pk", flat=True)) == before  # Asking queues nothing.

    done = _post_action(supervisor_client, DELIVERIES, "retry_failed", *selected, confirm=True)
    assert done.status_code == 302
    fresh = Delivery.objects.exclude(pk__in=before)
    assert sorted((d.recipient, d.status, d.attempts) for d in fresh) == [
        ("+306900000001", DeliveryStatus.PENDING, 0),
        ("alicia@acme.example", DeliveryStatus.PENDING, 0),
    ]
    assert {d.application_id for d in fresh} == {world.mine.application_id}
    # The log keeps the failures as they were.
    for row in (world.failed, world.lost, world.their_failed):
        row.refresh_from_db()
        assert row.status == DeliveryStatus.FAILED
    messages = [str(m) for m in supervisor_client.get(DELIVERIES).context["messages"]]
    assert messages == ["Queued 2 failed delivery(ies) again."]


def test_retry_of_a_deleted_appointments_update_is_reported(supervisor_client, application):
    gone = AppointmentFactory(application=application, title="Gone")
    failed = make_delivery(gone, recipient="carol@acme.example", status=DeliveryStatus.FAILED)
    gone.delete()
    _post_action(supervisor_client, DELIVERIES, "retry_failed", failed, confirm=True)
    assert list(Delivery.objects.all()) == [failed]
    assert [str(m) for m in supervisor_client.get(DELIVERIES).context["messages"]] == [
        f"{failed}: the appointment no longer exists: only its CANCEL could be sent"
    ]


def test_retry_without_failed_rows_does_nothing(supervisor_client, world):
    count = Delivery.objects.count()
    response = _post_action(supervisor_client, DELIVERIES, "retry_failed", world.sent, world.their_failed)
    assert response.status_code == 302
    assert Delivery.objects.count() == count
    messages = [str(m) for m in supervisor_client.get(DELIVERIES).context["messages"]]
    assert messages == ["None of the selected deliveries failed: nothing to retry."]


def test_supervisors_hold_only_the_view_permission_on_deliveries(make_supervisor, application):
    supervisor = make_supervisor(application)
    assert supervisor.has_perm("notifications.view_delivery")
    assert not supervisor.has_perm("notifications.change_delivery")
    assert not supervisor.has_perm("notifications.delete_delivery")
    group = Group.objects.get(name=SUPERVISORS_GROUP)
    assert {"view_smsoptout", "delete_smsoptout"} <= set(group.permissions.values_list("codename", flat=True))


# --- opt-outs --------------------------------------------------------------------------------


def test_opt_outs_are_scoped(supervisor_client, world):
    response = supervisor_client.get(OPT_OUTS)
    assert _shown(response) == [world.my_opt_out]
    _assert_no_trace_of_b(response)
    assert supervisor_client.get(f"{OPT_OUTS}add/").status_code == 403
    assert "delete_selected" not in dict(response.context["action_form"].fields["action"].choices)


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_another_applications_opt_out_by_url_does_not_exist(supervisor_client, world, page):
    url = f"{OPT_OUTS}{world.their_opt_out.pk}/{page}/"
    response = supervisor_client.get(url)
    assert response.status_code == 302 and response.url == "/admin/"
    followed = supervisor_client.get(url, follow=True)
    assert NOT_FOUND in followed.content.decode()
    _assert_no_trace_of_b(followed)
    supervisor_client.post(url, {"post": "yes"})
    assert SmsOptOut.objects.filter(pk=world.their_opt_out.pk).exists()


def test_opt_back_in_asks_then_removes_only_the_supervisors_numbers(supervisor_client, world):
    selected = (world.my_opt_out, world.their_opt_out)
    page = _post_action(supervisor_client, OPT_OUTS, "opt_back_in", *selected)
    assert page.context["objects"] == [world.my_opt_out]
    assert SmsOptOut.objects.count() == 2

    _post_action(supervisor_client, OPT_OUTS, "opt_back_in", *selected, confirm=True)
    assert list(SmsOptOut.objects.all()) == [world.their_opt_out]


def test_the_delete_page_opts_the_number_back_in(supervisor_client, world):
    response = supervisor_client.post(f"{OPT_OUTS}{world.my_opt_out.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SmsOptOut.objects.filter(pk=world.my_opt_out.pk).exists()


# --- query counts ------------------------------------------------------------------------------


def test_delivery_change_list_queries_are_constant(client, make_supervisor, application, other_application):
    client.force_login(make_supervisor(application))
    mine = AppointmentFactory(application=application)
    theirs = AppointmentFactory(application=other_application)

    def add_rows(count: int) -> None:
        for index in range(count):
            status = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING)[index % 3]
            make_delivery(mine, status=status, type=NotificationType.values[index % 5], last_error="e" * 90)
            make_delivery(theirs, status=status)  # Neither shown nor counted.

    queries = assert_changelist_queries_constant(client, DELIVERIES, add_rows)
    assert queries <= 12


def test_delivery_change_list_queries_are_constant_for_a_superuser(client, superuser, application):
    client.force_login(superuser)
    mine = AppointmentFactory(application=application)
    assert_changelist_queries_constant(client, DELIVERIES, lambda n: [make_delivery(mine) for _ in range(n)])


def test_opt_out_change_list_queries_are_constant(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    numbers = iter(range(100))

    def add_rows(count: int) -> None:
        for _ in range(count):
            SmsOptOut.objects.create(application=application, phone=f"+3069000{next(numbers):05d}")

    assert_changelist_queries_constant(client, OPT_OUTS, add_rows)


# --- SMS -> email fallback ---------------------------------------------------------------------


def _with_fallback(appointment):
    sms = make_delivery(
        appointment,
        channel=DeliveryChannel.SMS,
        recipient="+306900000009",
        status=DeliveryStatus.FAILED,
        last_error="Twilio answered 400 (code 21211)",
    )
    email = make_delivery(appointment, recipient="alice@acme.example", fallback_of=sms)
    return sms, email


def test_the_log_links_an_sms_and_the_email_it_fell_back_to_both_ways(supervisor_client, world):
    sms, email = _with_fallback(world.mine)
    sms_url = f"{DELIVERIES}{sms.pk}/change/"
    email_url = f"{DELIVERIES}{email.pk}/change/"

    sms_page = supervisor_client.get(sms_url).content.decode()
    email_page = supervisor_client.get(email_url).content.decode()
    listed = supervisor_client.get(DELIVERIES).content.decode()

    assert f'<a href="{email_url}">{email.pk}</a>' in sms_page  # fallen back to
    assert f'<a href="{sms_url}">{sms.pk}</a>' in email_page  # fallback of
    assert f'<a href="{email_url}">sent by email</a>' in listed
    assert f'<a href="{sms_url}">instead of SMS</a>' in listed
    assert "column-fallback" in listed


def test_delivery_change_list_queries_are_constant_with_fallbacks(client, make_supervisor, application):
    client.force_login(make_supervisor(application))
    mine = AppointmentFactory(application=application)

    def add_rows(count: int) -> None:
        for _ in range(count // 2):
            _with_fallback(mine)
        if count % 2:
            make_delivery(mine)

    assert assert_changelist_queries_constant(client, DELIVERIES, add_rows) <= 12
