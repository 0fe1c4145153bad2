"""Every built-in template (the ones the demo seeds), in every locale, against the appointment in each state.

Nothing may go out with a tag left unrendered or a label with nothing after
it ("Join: " before there is a room), and a cancellation has no join link.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appointments.services import (
    appointment_activate,
    appointment_delete,
    appointment_end,
    appointment_schedule,
)
from notifications.management.commands.demo import _seed_notifications
from notifications.models import Delivery, NotificationTemplate, NotificationType
from notifications.pipeline.composition import email_compose, sms_compose
from notifications.pipeline.messages import delivery_message
from participants.services import CustomerDetails

# A line that is only a label: "Join:" or "Kalender: " with nothing after the colon.
EMPTY_LABEL = re.compile(r"^[^\S\n]*\S[^\n]*:[^\S\n]*$", re.MULTILINE)


@pytest.fixture
def builtin(application):
    application.notifications_active = True
    application.save(update_fields=["notifications_active"])
    _seed_notifications(application)
    return list(NotificationTemplate.objects.filter(application=application).order_by("locale", "type"))


def _appointment(application, locale, state):
    appointment = appointment_schedule(
        application=application,
        organizer_id="agent-1",
        start=timezone.now() + timedelta(days=2),
        duration=timedelta(minutes=30),
        timezone="Europe/Athens",
        locale=locale,
        title="Mortgage advice",
        customer=CustomerDetails(first_name="Bobby", email="bobby@example.com", phone="+306931221100"),
    )
    if state in ("activated", "ended"):
        appointment = appointment_activate(appointment=appointment)
    if state == "ended":
        appointment = appointment_end(appointment=appointment)
    appointment.refresh_from_db()
    return appointment


def _texts(template, appointment) -> list[str]:
    recipient = appointment.participants.get(type="CUSTOMER")
    if template.channel == "SMS":
        return [sms_compose(template=template, appointment=appointment, recipient=recipient).body]
    email = email_compose(template=template, appointment=appointment, recipient=recipient)
    return [email.subject, email.text_body, email.html_body]


def _assert_clean(texts: list[str]) -> None:
    for text in texts:
        assert "{{" not in text and "}}" not in text, text
        assert not EMPTY_LABEL.findall(text), text


def test_the_built_in_set_covers_every_type_it_sends_in_every_seeded_locale(builtin):
    kinds_by_locale: dict[str, set] = {}
    for template in builtin:
        kinds_by_locale.setdefault(template.locale, set()).add(
            (template.type, template.channel, template.period)
        )

    assert len(kinds_by_locale) > 1
    assert {"en_US", "en_GB"} <= set(kinds_by_locale)
    assert len({frozenset(kinds) for kinds in kinds_by_locale.values()}) == 1, kinds_by_locale
    [kinds] = {frozenset(kinds) for kinds in kinds_by_locale.values()}
    assert {kind[0] for kind in kinds} >= {"CREATE", "UPDATE", "CANCEL", "REMINDER"}


@pytest.mark.parametrize("state", ["scheduled", "activated", "ended"])
def test_every_built_in_template_renders_clean_in_every_state(builtin, application, state):
    rendered = 0
    for template in builtin:
        if template.type == NotificationType.CANCEL:
            continue
        appointment = _appointment(application, template.locale, state)
        texts = _texts(template, appointment)

        _assert_clean(texts)
        if "{{roomUrl}}" in template.text_body and appointment.room_url:
            # Once there is a room, its link is there (before, its line is left out: checked above).
            assert appointment.room_url in "".join(texts)
        rendered += 1
    assert rendered == len([t for t in builtin if t.type != NotificationType.CANCEL])


@pytest.mark.parametrize("state", ["scheduled", "activated", "ended"])
def test_cancellations_render_clean_and_without_a_join_link(builtin, application, state):
    cancel_templates = [t for t in builtin if t.type == NotificationType.CANCEL]
    assert cancel_templates
    for template in cancel_templates:
        assert "roomUrl" not in template.text_body + template.html_body
        appointment = _appointment(application, template.locale, state)
        appointment_id, room_url = appointment.pk, appointment.room_url
        appointment_delete(appointment=appointment)

        rows = Delivery.objects.filter(appointment_id=appointment_id, type=NotificationType.CANCEL)
        assert {row.template_id for row in rows if row.template_id} == {template.pk}
        for row in rows:
            message = delivery_message(row)
            texts = [message.body] if row.channel == "SMS" else [message.subject, message.text_body]
            _assert_clean(texts)
            assert not re.search(r"join|teilnehmen|σύνδεση", "\n".join(texts), re.IGNORECASE)
            if room_url:
                assert room_url not in "".join(texts)


def test_an_en_gb_appointment_gets_the_british_text(builtin, application):
    appointment = _appointment(application, "en_GB", "scheduled")

    create = Delivery.objects.get(appointment_id=appointment.pk, type="CREATE", channel="EMAIL")

    assert create.locale == "en_GB"
    text = delivery_message(create).text_body
    # British: day before month, 24-hour clock.
    local = appointment.start.astimezone(ZoneInfo(appointment.timezone))
    assert f"{local.day} {local:%B} {local.year} at {local:%H:%M}" in text
