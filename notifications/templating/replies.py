"""What customers may answer to an SMS, in their language: the words, the prompt that names them, the help.

`{{replyPrompt}}` renders `reply_prompt(locale)`; the inbound webhook reads an answer
with `reply_read(body)`; a reply it cannot read gets `help_text(locale)`. The three
live together so that the prompt never names a word the reader does not know.

Words are matched against the whole message, case, accents and surrounding
punctuation aside ("Oui !", "sí", "ΝΑΙ", "Ναι."), in every language at once: a
customer may answer in any of them. A longer text is never read as an answer ("No
problem, see you" is not a decline). The prompts avoid CANCEL, END and QUIT, which
Twilio reads as opt-out words.
"""

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from tenants.models import Application

FALLBACK_LANGUAGE = "en"


class Reply(StrEnum):
    CONFIRM = "CONFIRM"
    DECLINE = "DECLINE"
    STOP = "STOP"
    START = "START"
    OTHER = "OTHER"


@dataclass(frozen=True)
class Language:
    confirm: frozenset[str]  # already normalized (see _normalized)
    decline: frozenset[str]
    prompt: str
    help: str


def _words(*words: str) -> frozenset[str]:
    return frozenset(_normalized(word) for word in words)


def _normalized(text: str) -> str:
    """Lower case, no accents, no punctuation or spaces around it: "  Sí! " -> "si"."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = bare.casefold()
    start, end = 0, len(bare)
    while start < end and _is_filler(bare[start]):
        start += 1
    while end > start and _is_filler(bare[end - 1]):
        end -= 1
    return " ".join(bare[start:end].split())


def _is_filler(char: str) -> bool:
    # Punctuation, symbols (emoji) and spaces around the word carry no answer.
    return char.isspace() or unicodedata.category(char)[0] in ("P", "S")


LANGUAGES: dict[str, Language] = {
    "en": Language(
        confirm=_words("C", "Y", "YES", "CONFIRM"),
        decline=_words("N", "NO", "DECLINE"),
        prompt="Reply YES to confirm or NO if you cannot come.",
        help=(
            "Sorry, we did not understand your reply. Reply YES to confirm your appointment or NO if "
            "you cannot come. Reply STOP to receive no more messages."
        ),
    ),
    "de": Language(
        confirm=_words("JA", "J", "BESTÄTIGEN"),
        decline=_words("NEIN"),
        prompt="Antworten Sie JA zur Bestätigung oder NEIN, wenn Sie nicht kommen können.",
        help=(
            "Wir haben Ihre Antwort leider nicht verstanden. Antworten Sie JA, um Ihren Termin zu "
            "bestätigen, oder NEIN, wenn Sie nicht kommen können. Mit STOP erhalten Sie keine "
            "Nachrichten mehr."
        ),
    ),
    "el": Language(
        confirm=_words("ΝΑΙ", "NAI"),
        decline=_words("ΟΧΙ", "OXI", "OHI"),
        prompt="Απαντήστε ΝΑΙ για επιβεβαίωση ή ΟΧΙ αν δεν μπορείτε να έρθετε.",
        help=(
            "Δεν καταλάβαμε την απάντησή σας. Απαντήστε ΝΑΙ για να επιβεβαιώσετε το ραντεβού σας ή "
            "ΟΧΙ αν δεν μπορείτε να έρθετε. Στείλτε STOP για να μη λαμβάνετε άλλα μηνύματα."
        ),
    ),
    "es": Language(
        confirm=_words("SÍ", "SI", "CONFIRMAR"),
        decline=_words("NO"),
        prompt="Responda SÍ para confirmar o NO si no puede asistir.",
        help=(
            "No hemos entendido su respuesta. Responda SÍ para confirmar su cita o NO si no puede "
            "asistir. Envíe STOP para no recibir más mensajes."
        ),
    ),
    "fr": Language(
        confirm=_words("OUI", "CONFIRMER"),
        decline=_words("NON"),
        prompt="Répondez OUI pour confirmer ou NON si vous ne pouvez pas venir.",
        help=(
            "Nous n'avons pas compris votre réponse. Répondez OUI pour confirmer votre rendez-vous ou "
            "NON si vous ne pouvez pas venir. Envoyez STOP pour ne plus recevoir de messages."
        ),
    ),
    "it": Language(
        confirm=_words("SÌ", "SI", "CONFERMO"),
        decline=_words("NO"),
        prompt="Risponda SÌ per confermare o NO se non può venire.",
        help=(
            "Non abbiamo capito la sua risposta. Risponda SÌ per confermare l'appuntamento o NO se non "
            "può venire. Invii STOP per non ricevere altri messaggi."
        ),
    ),
    "nl": Language(
        confirm=_words("JA"),
        decline=_words("NEE"),
        prompt="Antwoord JA om te bevestigen of NEE als u niet kunt komen.",
        help=(
            "We hebben uw antwoord niet begrepen. Antwoord JA om uw afspraak te bevestigen of NEE als u "
            "niet kunt komen. Stuur STOP om geen berichten meer te ontvangen."
        ),
    ),
    "pt": Language(
        confirm=_words("SIM"),
        decline=_words("NÃO", "NAO"),
        prompt="Responda SIM para confirmar ou NÃO se não puder comparecer.",
        help=(
            "Não entendemos a sua resposta. Responda SIM para confirmar a consulta ou NÃO se não puder "
            "comparecer. Envie STOP para não receber mais mensagens."
        ),
    ),
}

# Twilio's own opt-out and opt-in words (its Advanced Opt-Out defaults): Twilio stops or
# resumes the number's messages itself, so the service must keep the same record. Twilio
# also reads YES as an opt-in; here YES confirms, and an opt-out is lifted only by START.
STOP_WORDS = _words("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE")
START_WORDS = _words("START", "UNSTOP")

# Every language's words count in every message. No word may mean yes in one language and no
# in another (tests/notifications/test_reply_words.py holds it).
CONFIRM_WORDS = frozenset().union(*(language.confirm for language in LANGUAGES.values()))
DECLINE_WORDS = frozenset().union(*(language.decline for language in LANGUAGES.values()))


def reply_read(body: str) -> Reply:
    """What an inbound SMS says: confirm, decline, STOP, START, or anything else."""
    word = _normalized(body or "")
    if word in STOP_WORDS:
        return Reply.STOP
    if word in START_WORDS:
        return Reply.START
    if word in CONFIRM_WORDS:
        return Reply.CONFIRM
    if word in DECLINE_WORDS:
        return Reply.DECLINE
    return Reply.OTHER


def language_of(locale: str) -> Language:
    """The locale's language ("de_AT" -> German), or English when it has no reply words."""
    code = (locale or "").replace("-", "_").split("_")[0].lower()
    return LANGUAGES.get(code, LANGUAGES[FALLBACK_LANGUAGE])


def reply_prompt(locale: str) -> str:
    return language_of(locale).prompt


def help_text(locale: str) -> str:
    return language_of(locale).help


def reply_prompt_wanted(application: Application | None, channel: str) -> bool:
    """Whether `{{replyPrompt}}` renders: only in an SMS, and only when the application asks for answers."""
    return channel == "SMS" and application is not None and application.confirmation_requests
