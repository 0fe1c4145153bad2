"""A text line that labels an empty value ("Join: " before there is a room) is left out."""

from datetime import UTC, datetime

import pytest

from notifications.templating import rendering
from tests.factories import AppointmentFactory, CustomerFactory

ROOM = "https://video.example.com/room/7f3c2a"


def _context(*, room_url="", notes=""):
    appointment = AppointmentFactory.build(
        start=datetime(2030, 1, 31, 19, 0, tzinfo=UTC), title="Survey", room_url=room_url, notes=notes
    )
    recipient = CustomerFactory.build(appointment=appointment, first_name="Bobby")
    return rendering.build_context(appointment=appointment, recipient=recipient, locale="en_GB")


def _text(template: str, **values) -> str:
    return rendering.render_message(
        subject="", text_body=template, html_body="", context=_context(**values)
    ).text_body


def test_a_label_line_whose_value_is_empty_is_left_out():
    template = "Dear {{firstName}},\n\nsee you soon.\n\nJoin: {{roomUrl}}\nTitle: {{title}}"

    assert _text(template) == "Dear Bobby,\n\nsee you soon.\n\nTitle: Survey"
    assert _text(template, room_url=ROOM) == f"Dear Bobby,\n\nsee you soon.\n\nJoin: {ROOM}\nTitle: Survey"


def test_the_last_line_leaves_no_dangling_line_break():
    assert _text("Dear {{firstName}},\nJoin: {{roomUrl}}") == "Dear Bobby,"
    assert _text("Dear {{firstName}},\nJoin: {{roomUrl}}\n") == "Dear Bobby,\n"
    assert _text("Dear {{firstName}},\r\nJoin: {{roomUrl}}\r\nBye") == "Dear Bobby,\r\nBye"


@pytest.mark.parametrize(
    "line",
    [
        "Join: {{ roomUrl }}",  # spaces inside the braces
        "  Join:   {{roomUrl}}  ",  # spaces around
        "Join the call:{{roomUrl}}",
        "Join: {{roomUrl}} {{notes}}",  # every tag empty
        "Room (video): {{roomUrl}}",
    ],
)
def test_what_counts_as_an_empty_label_line(line):
    assert _text(f"Hello\n{line}\nBye") == "Hello\nBye"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Join: {{roomUrl}} {{title}}", "Join:  Survey"),  # one tag has a value
        ("Join: {{roomUrl}}.", "Join: ."),  # text follows the tags
        ("Join {{roomUrl}}", "Join "),  # no label: no colon
        ("{{roomUrl}}", ""),  # no label at all: the line stays, empty
        ("Join:", "Join:"),  # no tag: the template's own text is never dropped
        ("{{title}}: {{roomUrl}}", "Survey: "),  # the label is a value itself
    ],
)
def test_lines_that_are_kept(line, kept):
    assert _text(f"Hello\n{line}\nBye") == f"Hello\n{kept}\nBye"


def test_the_rule_is_for_text_bodies_not_subjects_or_html():
    rendered = rendering.render_message(
        subject="Notes: {{notes}}",
        text_body="Notes: {{notes}}\nBye",
        html_body="<p>Join: {{roomUrl}}</p>\nJoin: {{roomUrl}}",
        context=_context(),
    )

    assert rendered.subject == "Notes:"
    assert rendered.text_body == "Bye"
    assert rendered.html_body == "<p>Join: </p>\nJoin: "


def test_a_text_part_made_from_html_keeps_its_lines():
    rendered = rendering.render_message(
        subject="", text_body="", html_body="<p>Join: {{roomUrl}}</p>", context=_context()
    )

    assert rendered.text_body == "Join:"


def test_an_sms_drops_the_line_too():
    template = "Reminder: {{title}} starts at {{time24}}.\nJoin: {{roomUrl}}"

    assert _text(template) == "Reminder: Survey starts at 20:00."
