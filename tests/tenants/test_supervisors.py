"""Supervisor accounts: staff users, the Supervisors group and their memberships."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission

from core.errors import Conflict, InvalidInput, NotFound
from tenants import supervisors
from tenants.models import SupervisorMembership
from tenants.supervisors import (
    SUPERVISORS_GROUP,
    supervised_application_ids,
    supervisor_group_sync,
    supervisor_upsert,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Lantern-Quartz-5820"


def _codenames(group: Group) -> set[str]:
    permissions = group.permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def _upsert(*applications, **overrides):
    arguments = {
        "username": "sam",
        "email": "sam@example.com",
        "application_ids": [str(a.pk) for a in applications],
        "password": PASSWORD,
    }
    return supervisor_upsert(**{**arguments, **overrides})


def test_creates_a_staff_user_who_is_not_a_superuser(application, other_application):
    user = _upsert(application)
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert user.email == "sam@example.com"
    assert list(user.groups.values_list("name", flat=True)) == [SUPERVISORS_GROUP]
    assert supervised_application_ids(user=user) == {application.pk}


def test_group_lets_supervisors_manage_rows_but_not_applications_themselves(application):
    perms = _codenames(supervisor_group_sync())
    for action in ("view", "add", "change", "delete"):
        assert f"appointments.{action}_appointment" in perms
        assert f"participants.{action}_participant" in perms
    assert {"tenants.view_application", "tenants.change_application"} <= perms
    assert not {"tenants.add_application", "tenants.delete_application"} & perms
    # Memberships and users decide what a supervisor sees: never theirs to edit.
    assert not {p for p in perms if p.startswith("auth.") or "supervisormembership" in p}


def test_group_skips_models_not_installed_and_grants_only_the_listed_actions(monkeypatch):
    monkeypatch.setattr(
        supervisors,
        "SUPERVISOR_MODEL_PERMISSIONS",
        {
            "django_celery_beat.periodictask": ("view",),
            "notifications.nosuchmodel": ("view",),
            "nosuchapp.delivery": ("view", "change"),
        },
    )
    assert _codenames(supervisor_group_sync()) == {"django_celery_beat.view_periodictask"}


def test_group_sync_is_idempotent_and_removes_stray_permissions():
    group = supervisor_group_sync()
    expected = _codenames(group)
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    supervisor_group_sync()
    assert _codenames(supervisor_group_sync()) == expected
    assert Group.objects.filter(name=SUPERVISORS_GROUP).count() == 1


def test_running_again_updates_the_account_and_replaces_the_applications(application, other_application):
    first = _upsert(application)
    first.is_active = False
    first.save(update_fields=["is_active"])

    again = _upsert(other_application, email="sam@new.example.com", password=None)
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.email == "sam@new.example.com" and again.is_active
    assert again.check_password(PASSWORD), "no password given: the old one stays"
    assert supervised_application_ids(user=again) == {other_application.pk}

    _upsert(application, other_application, password="Another-Pass-9917")
    again.refresh_from_db()
    assert again.check_password("Another-Pass-9917")
    assert supervised_application_ids(user=again) == {application.pk, other_application.pk}
    assert SupervisorMembership.objects.filter(user=again).count() == 2


def test_a_new_account_without_password_cannot_log_in_yet(application):
    user = _upsert(application, password=None)
    assert not user.has_usable_password()


def test_duplicate_application_ids_make_one_membership(application):
    user = _upsert(application, application_ids=[str(application.pk), f" {application.pk} "])
    assert SupervisorMembership.objects.filter(user=user).count() == 1


def test_refuses_to_turn_a_superuser_into_a_supervisor(application):
    root = get_user_model().objects.create_superuser("sam", "root@example.com", PASSWORD)
    with pytest.raises(Conflict, match="superuser"):
        _upsert(application)
    root.refresh_from_db()
    assert root.is_superuser and root.email == "root@example.com"
    assert not SupervisorMembership.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"username": "  "}, InvalidInput, "username"),
        ({"username": "sam smith!"}, InvalidInput, "username"),
        ({"email": "not-an-email"}, InvalidInput, "email"),
        ({"application_ids": []}, InvalidInput, "application"),
        ({"password": "123"}, InvalidInput, "password"),
        ({"application_ids": ["not-a-uuid"]}, NotFound, None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(application, overrides, error, field):
    with pytest.raises(error) as caught:
        _upsert(application, **overrides)
    if field:
        assert field in caught.value.fields
    assert not get_user_model().objects.exists()
    assert not SupervisorMembership.objects.exists()


def test_an_unknown_application_among_known_ones_writes_nothing(application):
    with pytest.raises(NotFound, match="not found"):
        _upsert(application, application_ids=[str(application.pk), str(uuid.uuid4())])
    assert not get_user_model().objects.exists()


def test_anonymous_and_plain_users_supervise_nothing(application):
    plain = get_user_model().objects.create_user("plain", password=PASSWORD)
    assert supervised_application_ids(user=AnonymousUser()) == frozenset()
    assert supervised_application_ids(user=plain) == frozenset()
