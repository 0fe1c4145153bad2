"""Notification text: `{{tag}}` parsing and validation, and rendering in a locale and time zone.

A template is plain text (or HTML) with tags in double braces. A tag is one of
the value tags below (`{{firstName}}`), a named time tag (`{{time24}}`,
`{{time12hr}}`, `{{zone}}`), or any CLDR date pattern (`{{EEEE dd-MMM-yy}}`),
formatted with Babel in the appointment's time zone and the template's locale.
Anything else between double braces is refused when a template is saved, so a
broken template is never sent.
"""

import difflib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import get_global
from babel.dates import PATTERN_CHARS, parse_pattern
from django.conf import settings
from django.utils.html import escape, strip_tags

from core.api.fields import normalize_locale
from notifications.templating.links import message_links
from notifications.templating.replies import reply_prompt

logger = logging.getLogger(__name__)

FALLBACK_LOCALE = "en_US"

# name -> what it stands for (shown to template authors in docs and errors).
VALUE_TAGS: dict[str, str] = {
    "firstName": "the recipient's first name",
    "lastName": "the recipient's last name",
    "title": "the appointment's title",
    "notes": "the appointment's notes",
    "roomUrl": "the link to the video room (empty until the appointment is activated)",
    "icsUrl": "the link to the appointment's iCalendar (.ics) event",
    "googleCalendarUrl": "the link that adds the appointment to Google Calendar",
    "confirmUrl": "the link that lets the recipient confirm (empty unless confirmation requests are on)",
    "declineUrl": "the link that lets the recipient decline (empty unless confirmation requests are on)",
    "appointmentId": "the appointment's id",
    "organizerFirstName": "the organizer's first name",
    "organizerLastName": "the organizer's last name",
    "organizerName": "the organizer's full name",
    "replyPrompt": "SMS only, when the application asks for answers: how to confirm or decline by reply",
}
NAMED_PATTERNS: dict[str, str] = {"time24": "HH:mm", "time12hr": "h:mm a"}
ZONE_TAG = "zone"
# Shown by GET /api/notifications/tags; any other CLDR pattern works as well.
EXAMPLE_PATTERNS = ("dd-MM-yyyy", "EEEE dd-MMM-yy", "d MMMM yyyy", "EEE d MMM", "yyyy-MM-dd", "HH:mm")
KNOWN_NAMES = (*VALUE_TAGS, *NAMED_PATTERNS, ZONE_TAG)

# The instant GET /api/notifications/tags renders its examples at: the reference
# time of the API document's own examples ("Monday 02-Jan-06", "3:04 pm", "MST").
REFERENCE_ZONE = "America/Denver"
REFERENCE_MOMENT = datetime(2006, 1, 2, 15, 4, 5, tzinfo=ZoneInfo(REFERENCE_ZONE))

_TAG_RE = re.compile(r"\{\{([^{}\r\n]*)\}\}")
# A line with its line break ("\n" or "\r\n"), or the last line without one. Tags never span lines.
_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+")
_PATTERN_PROBE = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


class TagError(ValueError):
    """A template holds a tag that cannot be rendered; `tag` is the offending text."""

    def __init__(self, reason: str, tag: str, hint: str = ""):
        self.tag = tag
        super().__init__(f"{reason} {tag}{hint}")


@dataclass(frozen=True)
class Tag:
    raw: str
    name: str
    kind: str  # "value", "pattern" or "zone"
    pattern: str = ""


@dataclass(frozen=True)
class RenderContext:
    """Everything a template may refer to, already resolved to text and a local time."""

    values: Mapping[str, str]
    moment: datetime  # the start, in the appointment's time zone
    locale: Locale


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text_body: str
    html_body: str


# --- parsing and validation ------------------------------------------------


@lru_cache(maxsize=1024)
def parse(text: str) -> tuple[str | Tag, ...]:
    """Split a template into literal text and tags; raise TagError on a bad tag."""
    parts: list[str | Tag] = []
    position = 0
    for match in _TAG_RE.finditer(text):
        parts.append(_checked_literal(text[position : match.start()]))
        parts.append(_classify(match.group(0), match.group(1).strip()))
        position = match.end()
    parts.append(_checked_literal(text[position:]))
    return tuple(part for part in parts if part != "")


def validate(text: str) -> None:
    parse(text or "")


def template_errors(*, subject: str = "", text_body: str = "", html_body: str = "") -> dict[str, list[str]]:
    """Tag errors of a template's texts, keyed by model field name."""
    errors = {}
    for field, text in (("subject", subject), ("text_body", text_body), ("html_body", html_body)):
        try:
            validate(text)
        except TagError as exc:
            errors[field] = [str(exc)]
    return errors


def _checked_literal(literal: str) -> str:
    start = literal.find("{{")
    if start != -1:
        # An opening pair without a well-formed close: "{{firstName}" or a tag broken by a newline.
        fragment = literal[start:].splitlines()[0][:40]
        raise TagError("malformed tag", fragment)
    return literal


def _classify(raw: str, content: str) -> Tag:
    if not content:
        raise TagError("malformed tag", raw)
    if content in VALUE_TAGS:
        return Tag(raw, content, "value")
    if content in NAMED_PATTERNS:
        return Tag(raw, content, "pattern", NAMED_PATTERNS[content])
    if content == ZONE_TAG:
        return Tag(raw, content, "zone")
    problem = date_pattern_problem(content)
    if problem is None:
        return Tag(raw, content, "pattern", content)
    if problem == "malformed":
        raise TagError("malformed date pattern", raw)
    close = difflib.get_close_matches(content, KNOWN_NAMES, n=1)
    raise TagError("unknown tag", raw, f" (did you mean {{{{{close[0]}}}}}?)" if close else "")


def date_pattern_problem(text: str) -> str | None:
    """None for a usable CLDR date pattern, else "unknown" (not a pattern at all) or "malformed"."""
    fields = 0
    malformed = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "'":
            end = text.find("'", index + 1)
            if end == -1:
                malformed = True
                break
            index = end + 1
        elif char.isascii() and char.isalpha():
            # Every ASCII letter outside quotes is a pattern field in CLDR; a letter
            # that names no field means this is a misspelled tag, not a date.
            if char not in PATTERN_CHARS:
                return "unknown"
            run = len(text) - index - len(text[index:].lstrip(char))
            lengths = PATTERN_CHARS[char]
            malformed = malformed or (lengths is not None and run not in lengths)
            fields += 1
            index += run
        else:
            index += 1
    if not fields:
        return "unknown"
    if malformed:
        return "malformed"
    try:
        _pattern(text).apply(_PATTERN_PROBE, Locale.parse(FALLBACK_LOCALE))
    except Exception:  # Babel raises assorted errors for patterns it cannot format.
        return "malformed"
    return None


@lru_cache(maxsize=256)
def _pattern(text: str):
    return parse_pattern(text)


# --- rendering ---------------------------------------------------------------


def render(text: str, context: RenderContext, *, html: bool = False) -> str:
    """Render a template text; in HTML every value is escaped, the template's own markup is not."""
    out = []
    for part in parse(text or ""):
        if isinstance(part, str):
            out.append(part)
        else:
            value = _tag_value(part, context)
            out.append(escape(value) if html else value)
    return "".join(out)


def render_text_body(text: str, context: RenderContext) -> str:
    """Render a text body (an email's text part, an SMS), leaving out lines that label nothing.

    A line is left out when it holds at least one tag, every tag on it renders
    empty, the text before its first tag ends with a colon ("Join:") and only
    spaces follow. "Join: {{roomUrl}}" disappears until there is a room;
    "Join: {{roomUrl}}." or a line without tags is always kept.
    """
    out = []
    dropped_last = False
    for line in _LINE_RE.findall(text or ""):
        content = line.rstrip("\r\n")
        parts = parse(content)
        values = [_tag_value(part, context) if isinstance(part, Tag) else part for part in parts]
        dropped_last = _labels_nothing(parts, values)
        if not dropped_last:
            out.append("".join(values) + line[len(content) :])
    rendered = "".join(out)
    if dropped_last and not text.endswith(("\n", "\r")):
        # The template's last line went: so does the line break that led to it.
        rendered = rendered.removesuffix("\n").removesuffix("\r")
    return rendered


def _labels_nothing(parts: tuple[str | Tag, ...], values: list[str]) -> bool:
    """Whether a parsed line is "Label: {{tag}}" with every tag empty (see render_text_body)."""
    tags = [index for index, part in enumerate(parts) if isinstance(part, Tag)]
    if not tags or any(values[index] for index in tags):
        return False
    label = "".join(values[: tags[0]]).strip()
    tail = "".join(values[tags[0] :])
    return label.endswith(":") and not tail.strip()


def render_message(
    *, subject: str, text_body: str, html_body: str, context: RenderContext
) -> RenderedMessage:
    html = render(html_body, context, html=True) if html_body else ""
    text = render_text_body(text_body, context) if text_body else ""
    if html and not text:
        # Mail clients without HTML show the text part: never leave it empty.
        text = strip_tags(html).strip()
    # A header cannot hold a line break (notes may carry one).
    subject_line = " ".join(render(subject, context).split())
    return RenderedMessage(subject=subject_line, text_body=text, html_body=html)


def _tag_value(tag: Tag, context: RenderContext) -> str:
    if tag.kind == "value":
        return context.values.get(tag.name, "")
    if tag.kind == "zone":
        # The zone's own abbreviation (CET, CEST, MST), which readers know best.
        return context.moment.tzname() or ""
    return _pattern(tag.pattern).apply(context.moment, context.locale)


def build_context(
    *, appointment, recipient, locale: str, organizer=None, with_reply_prompt: bool = False
) -> RenderContext:
    """The values of an appointment for one recipient; unsaved instances work too.

    `{{replyPrompt}}` is empty unless `with_reply_prompt` (replies.reply_prompt_wanted decides).
    """
    if organizer is None:
        organizer = _organizer_of(appointment)
    values = {
        "firstName": recipient.first_name if recipient else "",
        "lastName": recipient.last_name if recipient else "",
        "title": appointment.title,
        "notes": appointment.notes,
        **message_links(appointment=appointment, recipient=recipient),
        "appointmentId": str(appointment.pk),
        "organizerFirstName": organizer.first_name if organizer else "",
        "organizerLastName": organizer.last_name if organizer else "",
        "organizerName": organizer.full_name if organizer else "",
        "replyPrompt": reply_prompt(locale) if with_reply_prompt else "",
    }
    moment = appointment.start.astimezone(zone(appointment.timezone))
    return RenderContext(values=values, moment=moment, locale=Locale.parse(locale))


def _organizer_of(appointment):
    if appointment._state.adding:
        return None
    # Iterating .all() uses a prefetch when the caller made one.
    return next(
        (p for p in appointment.participants.all() if p.participant_id == appointment.organizer_id), None
    )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r, rendering in UTC", name)
        return ZoneInfo("UTC")


# --- locales -------------------------------------------------------------------


def supported_locales() -> list[str]:
    return list(settings.NOTIFICATIONS_LOCALES)


def locale_description(locale: str) -> str:
    """The locale's English name from CLDR: "Greek (Greece)"."""
    return Locale.parse(locale).get_display_name("en") or locale


def choose_locale(
    *, requested: str | None, available: Iterable[str], application_default: str | None
) -> str | None:
    """Pick the template locale for an appointment.

    The appointment's locale, then any template in its language, then the
    application's default (and its language), then en_US (and English).
    """
    pool = set(available)
    for wanted in (requested, application_default, FALLBACK_LOCALE):
        found = _match_locale(wanted, pool) if wanted else None
        if found:
            return found
    return None


def _match_locale(wanted: str, pool: set[str]) -> str | None:
    try:
        wanted = normalize_locale(wanted)
    except ValueError:
        return None
    if wanted in pool:
        return wanted
    language = wanted.split("_")[0]
    same_language = sorted(locale for locale in pool if locale.split("_")[0] == language)
    for preferred in (language, _likely_locale(language)):
        if preferred in same_language:
            return preferred
    return same_language[0] if same_language else None


def _likely_locale(language: str) -> str:
    """The language's most common form: de -> de_DE, el -> el_GR, pt -> pt_BR."""
    likely = get_global("likely_subtags").get(language)
    if not likely:
        return language
    parsed = Locale.parse(likely)
    return f"{language}_{parsed.territory}" if parsed.territory else language
