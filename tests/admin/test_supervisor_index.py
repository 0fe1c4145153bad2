"""A supervisor's console index lists only what they manage: no Celery beat, no users or groups."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tenants.supervisors import SUPERVISORS_GROUP
from tests.admin.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# What a supervisor manages (tenants/supervisors.py SUPERVISOR_MODEL_PERMISSIONS), as the index names it.
MANAGED = {
    "appointments": ["Appointment"],
    "notifications": ["ChannelSender", "Delivery", "NotificationTemplate", "SmsOptOut", "WebhookEndpoint"],
    "participants": ["Participant"],
    "tenants": ["Application"],
}
MIGRATION = ("tenants", "0004_supervisor_permissions_from_group_only")


def _index(client, user) -> dict[str, list[str]]:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return {
        app["app_label"]: sorted(m["object_name"] for m in app["models"])
        for app in response.context["app_list"]
    }


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _given_by_hand(user) -> None:
    """Permissions an operator might have ticked on the user, directly and through a second group."""
    user.user_permissions.add(
        _permission("django_celery_beat.view_periodictask"), _permission("auth.view_group")
    )
    operators = Group.objects.create(name="Beat operators")
    operators.permissions.add(_permission("django_celery_beat.change_crontabschedule"))
    user.groups.add(operators)
    supervisors = Group.objects.get(name=SUPERVISORS_GROUP)
    supervisors.permissions.add(_permission("auth.view_user"))


def test_a_supervisor_sees_only_the_models_they_manage(client, make_supervisor, application):
    assert _index(client, make_supervisor(application)) == MANAGED


def test_permissions_given_by_hand_go_when_the_supervisor_is_saved_again(
    client, make_supervisor, application
):
    user = make_supervisor(application)
    _given_by_hand(user)
    assert {"django_celery_beat", "auth"} <= set(_index(client, user)), "the stray permissions show"

    again = make_supervisor(application)  # create_supervisor run again

    assert _index(client, again) == MANAGED
    assert list(again.groups.values_list("name", flat=True)) == [SUPERVISORS_GROUP]
    assert not again.user_permissions.exists()


def test_the_migration_takes_them_back_from_existing_supervisors(client, make_supervisor, application):
    user = make_supervisor(application)
    _given_by_hand(user)
    # Someone else on the operators' team keeps what they were given: only supervisors change.
    operator = get_user_model().objects.create_user("olga", password=PASSWORD, is_staff=True)
    operator.groups.add(Group.objects.get(name="Beat operators"))
    root = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)

    # Run on the models as they were at that migration, as `migrate` does.
    historical = MigrationLoader(connection).project_state(MIGRATION).apps
    module = importlib.import_module("{}.migrations.{}".format(*MIGRATION))
    module.supervisors_keep_only_group_permissions(historical, None)

    assert _index(client, user) == MANAGED
    assert "django_celery_beat" in _index(client, operator)
    assert {"django_celery_beat", "auth"} <= set(_index(client, root))
