"""GET tags and GET locales: examples at the fixed reference time, CLDR display names."""

import pytest

from notifications.templating import rendering

TAGS = "/api/notifications/tags"
LOCALES = "/api/notifications/locales"


def test_tags_list_every_tag_with_examples_at_the_reference_time(admin_client):
    response = admin_client.get(TAGS)

    assert response.status_code == 200
    examples = {item["format"]: item["example"] for item in response.json()["content"]}
    # The API document's own examples, rendered by Babel in en_US.
    assert examples["EEEE dd-MMM-yy"] == "Monday 02-Jan-06"
    assert examples["time12hr"] == "3:04 PM"
    assert examples["zone"] == "MST"
    assert examples["time24"] == "15:04"
    assert examples["firstName"] == "Bobby"
    assert examples["organizerName"] == "Alex Morgan"
    assert set(rendering.VALUE_TAGS) <= set(examples)
    assert {"time24", "time12hr", "zone", "dd-MM-yyyy"} <= set(examples)


def test_tag_examples_follow_the_requested_locale(admin_client):
    response = admin_client.get(TAGS, {"locale": "el-GR"})

    examples = {item["format"]: item["example"] for item in response.json()["content"]}
    assert examples["EEEE dd-MMM-yy"] == "Δευτέρα 02-Ιαν-06"
    assert examples["time12hr"] == "3:04 μ.μ."


def test_an_unsupported_locale_for_the_examples_is_400(admin_client):
    response = admin_client.get(TAGS, {"locale": "tlh"})

    assert response.status_code == 400
    assert "locale" in response.json()["fields"]


def test_locales_have_cldr_display_names(admin_client, settings):
    settings.NOTIFICATIONS_LOCALES = ["en_US", "el_GR", "de_AT"]

    response = admin_client.get(LOCALES)

    assert response.status_code == 200
    assert response.json() == {
        "content": [
            {"locale": "en_US", "description": "English (United States)", "activeTemplates": 0},
            {"locale": "el_GR", "description": "Greek (Greece)", "activeTemplates": 0},
            {"locale": "de_AT", "description": "German (Austria)", "activeTemplates": 0},
        ]
    }


@pytest.mark.parametrize("path", [TAGS, LOCALES, f"{TAGS}/", f"{LOCALES}/"])
def test_catalogues_are_for_admins(client_for, api_client, admin_client, path):
    assert admin_client.get(path).status_code == 200
    assert client_for("ROLE_AGENT").get(path).status_code == 403
    assert api_client.get(path).status_code == 401


def test_locales_count_the_callers_active_templates(admin_client, application, settings):
    from notifications.services import template_create

    settings.NOTIFICATIONS_LOCALES = ["en_US", "el_GR"]
    template_create(
        application=application, type="CREATE", channel="EMAIL", locale="el_GR", subject="Hi", text_body="Hi"
    )

    content = admin_client.get(LOCALES).json()["content"]

    assert {item["locale"]: item["activeTemplates"] for item in content} == {"en_US": 0, "el_GR": 1}
