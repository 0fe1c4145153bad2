"""Which locale's template an appointment gets, and how an admin sees which locales have templates.

The chain is CLDR's: en_GB -> en (and en's default content, en_US) -> the
application's default locale -> the service's (en_US).
"""

import uuid

import pytest

from notifications import selectors
from notifications.management.commands.demo import _seed_notifications
from notifications.selectors import templates_for_appointment
from notifications.serializers import NotificationLocalesSerializer
from notifications.services import template_create
from tenants.principal import Principal
from tests.factories import AppointmentFactory

TEMPLATES = "/api/notifications/templates/"


def _template(application, locale, **fields):
    return template_create(
        application=application, type="CREATE", channel="SMS", locale=locale, text_body=locale, **fields
    )


def _chosen(application, locale, channel="SMS") -> str:
    appointment = AppointmentFactory(application=application, locale=locale)
    [template] = templates_for_appointment(appointment=appointment, type="CREATE", channel=channel)
    return template.locale


@pytest.fixture
def with_bare_languages(settings):
    settings.NOTIFICATIONS_LOCALES = [*settings.NOTIFICATIONS_LOCALES, "en", "de"]


def test_a_template_in_a_bare_language_serves_every_country_of_it(
    admin_client, application, with_bare_languages
):
    response = admin_client.post(
        TEMPLATES,
        {"type": "CREATE", "channel": "SMS", "locale": "en", "textBody": "Hi {{firstName}}"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    _template(application, "en_US")

    assert _chosen(application, "en_GB") == "en"
    assert _chosen(application, "en_AU") == "en"
    assert _chosen(application, "en_US") == "en_US"


@pytest.mark.parametrize(
    ("available", "default", "chosen"),
    [
        (["en_GB", "en", "en_US"], "en_US", "en_GB"),  # its own
        (["en", "en_US", "de_DE"], "de_DE", "en"),  # then the bare language
        (["en_US", "de_DE"], "de_DE", "en_US"),  # en_US is en's default content (CLDR likely subtags)
        (["de_DE", "fr_FR"], "fr_FR", "fr_FR"),  # then the application's default
        (["de_DE", "en_US"], "el_GR", "en_US"),  # then the service's
    ],
)
def test_en_gb_falls_back_the_cldr_way(application, with_bare_languages, available, default, chosen):
    application.default_locale = default
    application.save(update_fields=["default_locale"])
    for locale in available:
        _template(application, locale)

    assert _chosen(application, "en_GB") == chosen


def _principal(application) -> Principal:
    return Principal(
        user_id="admin-1",
        roles=frozenset({"ROLE_ADMIN"}),
        application_id=application.pk,
        organization_id=application.organization_id,
        known_application=application,
    )


def test_the_locale_list_counts_the_callers_active_templates(application, other_application, settings):
    settings.NOTIFICATIONS_LOCALES = ["en_US", "en_GB", "el_GR"]
    _template(application, "en_US")
    template_create(application=application, type="UPDATE", channel="SMS", locale="en_US", text_body="x")
    _template(application, "en_GB", active=False)
    _template(other_application, "el_GR")

    listed = selectors.locale_list(principal=_principal(application))

    assert listed == [
        {"locale": "en_US", "description": "English (United States)", "activeTemplates": 2},
        {"locale": "en_GB", "description": "English (United Kingdom)", "activeTemplates": 0},
        {"locale": "el_GR", "description": "Greek (Greece)", "activeTemplates": 0},
    ]
    assert NotificationLocalesSerializer({"content": listed}).data["content"][0]["activeTemplates"] == 2


def test_without_a_caller_the_list_is_the_catalogue_only(settings):
    settings.NOTIFICATIONS_LOCALES = ["en_US"]

    assert selectors.locale_list() == [{"locale": "en_US", "description": "English (United States)"}]


def test_the_demo_seeds_the_same_templates_in_every_locale_it_lists(application):
    _seed_notifications(application)

    counts = {
        item["locale"]: item["activeTemplates"]
        for item in selectors.locale_list(principal=_principal(application))
        if item["activeTemplates"]
    }

    assert set(counts) >= {"en_US", "en_GB"}
    assert len(set(counts.values())) == 1, counts
    assert _chosen(application, "en_GB", channel="EMAIL") == "en_GB"
    assert _chosen(application, "en_AU", channel="EMAIL") == "en_US"


def test_the_locale_list_is_one_query(application, django_assert_num_queries):
    principal = _principal(application)
    for locale in ("en_US", "en_GB", "de_DE"):
        _template(application, locale)

    with django_assert_num_queries(1):
        selectors.locale_list(principal=principal)


def test_an_unknown_application_counts_nothing(db, settings):
    settings.NOTIFICATIONS_LOCALES = ["en_US"]
    stranger = Principal(
        user_id="x", roles=frozenset({"ROLE_ADMIN"}), application_id=uuid.uuid4(), organization_id="org"
    )

    assert selectors.locale_list(principal=stranger)[0]["activeTemplates"] == 0
