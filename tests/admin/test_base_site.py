"""templates/admin/base_site.html: every console page carries the product's name from admin.site."""

import re

import pytest
from django.conf import settings
from django.contrib import admin

from notifications.models import Channel
from notifications.services import template_create

pytestmark = pytest.mark.django_db

PRODUCT = "Appointments console"


@pytest.fixture
def renamed():
    """The product renamed where its name is set (tenants/admin.py sets admin.site's); pages follow."""
    # Not monkeypatch: admin.site is a LazyObject, whose attributes monkeypatch would delete on undo.
    saved = admin.site.site_header, admin.site.site_title
    admin.site.site_header, admin.site.site_title = PRODUCT, f"{PRODUCT} admin"
    yield
    admin.site.site_header, admin.site.site_title = saved


def _assert_branded(response) -> None:
    assert response.status_code == 200
    body = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", body, re.DOTALL).group(1)
    assert title.strip().endswith(f"| {PRODUCT} admin")
    assert f'<div id="site-name"><a href="/admin/">{PRODUCT}</a></div>' in body
    assert "Django administration" not in body and "Django site admin" not in body
    project_template = settings.BASE_DIR / "templates" / "admin" / "base_site.html"
    assert str(project_template) in {template.origin.name for template in response.templates}


def test_the_login_page_shows_the_product_name(client, renamed):
    _assert_branded(client.get("/admin/login/"))


def test_the_index_shows_the_product_name(client, superuser, renamed):
    client.force_login(superuser)
    _assert_branded(client.get("/admin/"))


def test_the_consoles_own_pages_show_the_product_name(client, superuser, application, renamed):
    template = template_create(
        application=application,
        type="CREATE",
        channel=Channel.EMAIL,
        locale="en_US",
        subject="Booked",
        text_body="Hi {{firstName}}",
    )
    client.force_login(superuser)

    _assert_branded(client.get(f"/admin/notifications/notificationtemplate/{template.pk}/test-send/"))


def test_the_name_is_the_one_tenants_admin_sets(client):
    body = client.get("/admin/login/").content.decode()
    assert '<div id="site-name"><a href="/admin/">Appointment service</a></div>' in body
    assert "| Appointment service admin</title>" in body
