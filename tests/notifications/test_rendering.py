"""Template tags: parsing, refusal of bad tags, localized dates across DST, escaping, locale choice."""

from datetime import UTC, datetime

import pytest

from notifications.templating import rendering
from tests.factories import AppointmentFactory, CustomerFactory

SNAPSHOT = "{{EEEE d MMMM yyyy}} {{time24}} {{time12hr}} {{zone}} | {{dd-MM-yyyy}} | {{EEEE dd-MMM-yy}}"


def _context(start, locale, **appointment_fields):
    appointment = AppointmentFactory.build(start=start, timezone="Europe/Berlin", **appointment_fields)
    recipient = CustomerFactory.build(appointment=appointment, first_name="Bobby", last_name="Ewing")
    return rendering.build_context(appointment=appointment, recipient=recipient, locale=locale)


# 10:00 UTC on both days: 11:00 in Berlin before the clocks go forward on
# Sunday 31 March 2030, 12:00 after.
BEFORE_DST = datetime(2030, 3, 30, 10, 0, tzinfo=UTC)
AFTER_DST = datetime(2030, 3, 31, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "start", "expected"),
    [
        ("en_US", BEFORE_DST, "Saturday 30 March 2030 11:00 11:00 AM CET | 30-03-2030 | Saturday 30-Mar-30"),
        ("en_US", AFTER_DST, "Sunday 31 March 2030 12:00 12:00 PM CEST | 31-03-2030 | Sunday 31-Mar-30"),
        ("en_GB", BEFORE_DST, "Saturday 30 March 2030 11:00 11:00 am CET | 30-03-2030 | Saturday 30-Mar-30"),
        ("en_GB", AFTER_DST, "Sunday 31 March 2030 12:00 12:00 pm CEST | 31-03-2030 | Sunday 31-Mar-30"),
        ("de_DE", BEFORE_DST, "Samstag 30 März 2030 11:00 11:00 AM CET | 30-03-2030 | Samstag 30-März-30"),
        ("de_DE", AFTER_DST, "Sonntag 31 März 2030 12:00 12:00 PM CEST | 31-03-2030 | Sonntag 31-März-30"),
        (
            "el_GR",
            BEFORE_DST,
            "Σάββατο 30 Μαρτίου 2030 11:00 11:00 π.μ. CET | 30-03-2030 | Σάββατο 30-Μαρ-30",
        ),
        (
            "el_GR",
            AFTER_DST,
            "Κυριακή 31 Μαρτίου 2030 12:00 12:00 μ.μ. CEST | 31-03-2030 | Κυριακή 31-Μαρ-30",
        ),
    ],
)
def test_dates_render_in_the_locale_and_the_appointments_zone_across_dst(locale, start, expected):
    assert rendering.render(SNAPSHOT, _context(start, locale)) == expected


def test_value_tags_render_the_recipient_and_appointment(settings):
    settings.PUBLIC_BASE_URL = "https://appointments.example.com"
    context = _context(BEFORE_DST, "en_US", title="Product review", notes="Bring the invoice")
    appointment_id = context.values["appointmentId"]

    text = rendering.render(
        "Dear {{ firstName }} {{lastName}}: {{title}} ({{notes}}) {{icsUrl}} {{googleCalendarUrl}}", context
    )

    assert text == (
        "Dear Bobby Ewing: Product review (Bring the invoice) "
        f"https://appointments.example.com/api/cal/events/ical/{appointment_id}/event "
        f"https://appointments.example.com/api/cal/events/google/{appointment_id}/event"
    )


def test_organizer_tags_come_from_the_organizer_participant(db):
    appointment = AppointmentFactory(start=BEFORE_DST)
    organizer = appointment.participants.get(participant_id=appointment.organizer_id)
    organizer.first_name, organizer.last_name = "Alex", "Morgan"
    organizer.save(update_fields=["first_name", "last_name"])
    customer = CustomerFactory(appointment=appointment)

    context = rendering.build_context(appointment=appointment, recipient=customer, locale="en_US")

    assert rendering.render(
        "{{organizerName}} / {{organizerFirstName}} / {{organizerLastName}}", context
    ) == ("Alex Morgan / Alex / Morgan")


def test_html_bodies_escape_values_but_not_the_templates_markup():
    context = _context(
        BEFORE_DST, "en_US", title="<script>alert(1)</script>", room_url="https://v.example/q?a=1&b=2"
    )

    html = rendering.render('<h1>{{title}}</h1><a href="{{roomUrl}}">Join</a>', context, html=True)
    text = rendering.render("{{title}} {{roomUrl}}", context)

    assert html == (
        '<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1><a href="https://v.example/q?a=1&amp;b=2">Join</a>'
    )
    assert text == "<script>alert(1)</script> https://v.example/q?a=1&b=2"


def test_render_message_keeps_subjects_on_one_line_and_derives_missing_text_from_html():
    context = _context(BEFORE_DST, "en_US", notes="line one\nline two")

    message = rendering.render_message(
        subject="About {{notes}}", text_body="", html_body="<p>Hello {{firstName}}</p>", context=context
    )

    assert message.subject == "About line one line two"
    assert message.html_body == "<p>Hello Bobby</p>"
    assert message.text_body == "Hello Bobby"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Hi {{fristName}}", "unknown tag {{fristName}} (did you mean {{firstName}}?)"),
        ("Hi {{customerEmail}}", "unknown tag {{customerEmail}}"),
        ("Hi {{firstName}", "malformed tag {{firstName}"),
        ("Hi {{}}", "malformed tag {{}}"),
        ("At {{first\nName}}", "malformed tag {{first"),
        ("On {{MMMMMMM}}", "malformed date pattern {{MMMMMMM}}"),
        ("On {{d 'of MMMM}}", "malformed date pattern {{d 'of MMMM}}"),
    ],
)
def test_bad_tags_are_refused_naming_the_tag(text, error):
    with pytest.raises(rendering.TagError) as raised:
        rendering.validate(text)

    assert str(raised.value).startswith(error)


@pytest.mark.parametrize(
    "text",
    ["{{dd-MM-yyyy}}", "{{EEEE dd-MMM-yy}}", "{{HH:mm}}", "{{d 'de' MMMM 'de' y}}", "{{zone}}", "a }} b"],
)
def test_valid_templates_pass(text):
    rendering.validate(text)


def test_template_errors_name_each_broken_field():
    errors = rendering.template_errors(
        subject="{{title}}", text_body="{{customerEmail}}", html_body="{{firstName}"
    )

    assert errors == {
        "text_body": ["unknown tag {{customerEmail}}"],
        "html_body": ["malformed tag {{firstName}"],
    }


@pytest.mark.parametrize(
    ("requested", "available", "default", "chosen"),
    [
        ("el_GR", {"el_GR", "en_US"}, "de_DE", "el_GR"),  # the appointment's locale
        ("de_AT", {"de_DE", "en_US"}, "en_GB", "de_DE"),  # then its language
        ("de_AT", {"de_CH", "de_DE", "en_US"}, "en_GB", "de_DE"),  # the language's usual country first
        ("fr_FR", {"de_DE", "en_GB", "en_US"}, "de_DE", "de_DE"),  # then the application's default
        ("fr_FR", {"en_US", "el_GR"}, "de_AT", "en_US"),  # then en_US
        ("fr_FR", {"en_GB", "el_GR"}, None, "en_GB"),  # then any English
        ("fr_FR", {"el_GR"}, None, None),  # nothing fits
        ("en-GB", {"en_GB"}, None, "en_GB"),  # either spelling
    ],
)
def test_locale_choice_falls_back_from_appointment_to_language_to_application_to_en_us(
    requested, available, default, chosen
):
    assert (
        rendering.choose_locale(requested=requested, available=available, application_default=default)
        == chosen
    )
