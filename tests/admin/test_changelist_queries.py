"""Change lists cost the same number of queries for 1 row and for 50."""

import pytest

from tenants.models import SupervisorMembership
from tests.admin.querycounts import assert_changelist_queries_constant
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

APPLICATIONS = "/admin/tenants/application/"


def test_applications_for_a_superuser(client, superuser):
    client.force_login(superuser)
    queries = assert_changelist_queries_constant(client, APPLICATIONS, ApplicationFactory.create_batch)
    assert queries <= 6


def test_applications_for_a_supervisor(client, make_supervisor, application):
    supervisor = make_supervisor(application)
    client.force_login(supervisor)
    made = 0

    def add_rows(count: int) -> None:
        nonlocal made
        # The first row is the application the supervisor already runs; rows of
        # other tenants are created alongside and must neither show nor cost.
        for new in ApplicationFactory.create_batch(count - (made == 0)):
            SupervisorMembership.objects.create(user=supervisor, application=new)
        ApplicationFactory.create_batch(count)
        made += count

    queries = assert_changelist_queries_constant(client, APPLICATIONS, add_rows)
    assert queries <= 9


def test_the_helper_catches_a_change_list_that_queries_per_row(client, superuser, monkeypatch):
    from tenants.admin import ApplicationAdmin

    def organization_lookup(self, obj):
        # A column that reads the database for every row: the bug the helper exists to catch.
        return type(obj).objects.filter(organization_id=obj.organization_id).count()

    monkeypatch.setattr(ApplicationAdmin, "organization_lookup", organization_lookup, raising=False)
    monkeypatch.setattr(
        ApplicationAdmin, "list_display", [*ApplicationAdmin.list_display, "organization_lookup"]
    )
    client.force_login(superuser)
    with pytest.raises(AssertionError, match="1 rows but"):
        assert_changelist_queries_constant(client, APPLICATIONS, ApplicationFactory.create_batch)
