"""Reading SMS replies, and what `{{replyPrompt}}` renders: in the customer's language, or nothing."""

import pytest

from notifications.models import Channel, NotificationTemplate
from notifications.pipeline import composition
from notifications.templating import rendering
from notifications.templating.replies import (
    LANGUAGES,
    Reply,
    help_text,
    reply_prompt,
    reply_prompt_wanted,
    reply_read,
)
from tests.factories import AppointmentFactory, CustomerFactory


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # English, and the single letters
        ("YES", Reply.CONFIRM),
        ("yes", Reply.CONFIRM),
        (" Yes! ", Reply.CONFIRM),
        ("C", Reply.CONFIRM),
        ("c.", Reply.CONFIRM),
        ("y", Reply.CONFIRM),
        ("NO", Reply.DECLINE),
        ("n", Reply.DECLINE),
        ("No.", Reply.DECLINE),
        # German
        ("Ja", Reply.CONFIRM),
        ("JA!", Reply.CONFIRM),
        ("nein", Reply.DECLINE),
        # Greek, with and without accents, and in Latin letters
        ("ΝΑΙ", Reply.CONFIRM),
        ("Ναι", Reply.CONFIRM),
        ("ναί.", Reply.CONFIRM),
        ("nai", Reply.CONFIRM),
        ("ΟΧΙ", Reply.DECLINE),
        ("Όχι", Reply.DECLINE),
        ("oxi", Reply.DECLINE),
        # Spanish
        ("Sí", Reply.CONFIRM),
        ("si", Reply.CONFIRM),
        ("¡Sí!", Reply.CONFIRM),
        ("no", Reply.DECLINE),
        # French
        ("Oui", Reply.CONFIRM),
        ("oui !", Reply.CONFIRM),
        ("NON", Reply.DECLINE),
        # Italian, Dutch, Portuguese
        ("sì", Reply.CONFIRM),
        ("nee", Reply.DECLINE),
        ("Sim", Reply.CONFIRM),
        ("não", Reply.DECLINE),
        # Twilio's opt-out and opt-in words keep their meaning
        ("STOP", Reply.STOP),
        ("stop", Reply.STOP),
        ("Unsubscribe", Reply.STOP),
        ("cancel", Reply.STOP),
        ("START", Reply.START),
        ("unstop", Reply.START),
        # Anything else is not an answer: a sentence is never read word by word
        ("No problem, see you then", Reply.OTHER),
        ("yes please", Reply.OTHER),
        ("maybe", Reply.OTHER),
        ("", Reply.OTHER),
        ("👍", Reply.OTHER),
        ("Ν", Reply.OTHER),  # a Greek capital Nu is not the Latin N
    ],
)
def test_replies_are_read_as_whole_words_in_any_language(body, expected):
    assert reply_read(body) == expected


def test_no_word_means_yes_in_one_language_and_no_in_another():
    confirm = set().union(*(language.confirm for language in LANGUAGES.values()))
    decline = set().union(*(language.decline for language in LANGUAGES.values()))
    assert not confirm & decline


@pytest.mark.parametrize(
    ("locale", "confirm_word", "decline_word"),
    [
        ("en_US", "YES", "NO"),
        ("de_DE", "JA", "NEIN"),
        ("de_AT", "JA", "NEIN"),
        ("el_GR", "ΝΑΙ", "ΟΧΙ"),
        ("es_MX", "SÍ", "NO"),
        ("fr_CA", "OUI", "NON"),
    ],
)
def test_each_prompt_names_words_that_are_read_as_it_says(locale, confirm_word, decline_word):
    prompt = reply_prompt(locale)
    assert confirm_word in prompt and decline_word in prompt
    assert reply_read(confirm_word) == Reply.CONFIRM
    assert reply_read(decline_word) == Reply.DECLINE
    assert confirm_word in help_text(locale) and "STOP" in help_text(locale)


def test_the_prompts_never_use_a_word_twilio_reads_as_stop():
    for language in LANGUAGES.values():
        for word in ("CANCEL", "END", "QUIT", "STOP"):
            assert word not in language.prompt.upper().split()


def test_a_language_without_words_falls_back_to_english():
    assert reply_prompt("ja_JP") == reply_prompt("en_US")
    assert help_text("") == help_text("en_GB")


@pytest.mark.django_db
def test_the_prompt_renders_only_in_sms_of_applications_that_ask(application, sms_sender):
    appointment = AppointmentFactory(application=application)
    customer = CustomerFactory(appointment=appointment)
    template = NotificationTemplate(
        application=application, type="REMINDER", channel=Channel.SMS, locale="de_DE",
        text_body="Termin um {{HH:mm}}. {{replyPrompt}}",
    )  # fmt: skip

    off = composition.sms_compose(template=template, appointment=appointment, recipient=customer)
    assert off.body == "Termin um 20:00. "

    application.confirmation_requests = True
    on = composition.sms_compose(template=template, appointment=appointment, recipient=customer)
    assert on.body == f"Termin um 20:00. {reply_prompt('de_DE')}"


@pytest.mark.django_db
def test_the_prompt_is_empty_in_an_email(application):
    application.confirmation_requests = True
    assert reply_prompt_wanted(application, Channel.SMS)
    assert not reply_prompt_wanted(application, Channel.EMAIL)
    assert not reply_prompt_wanted(None, Channel.SMS)
    appointment = AppointmentFactory(application=application)
    context = rendering.build_context(appointment=appointment, recipient=None, locale="fr_FR")
    assert rendering.render("{{replyPrompt}}", context) == ""


def test_the_tag_is_known_to_template_validation():
    rendering.validate("See you at {{HH:mm}}. {{ replyPrompt }}")
    assert "replyPrompt" in rendering.VALUE_TAGS
