"""The /l/{token} pages: a short link decides what to show when it is clicked.

Plain Django views, not the API: they answer people's browsers with HTML pages in
the recipient's language. A GET never changes anything (mail scanners fetch
links); confirming or declining takes the POST of the page's button.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from appointments.models import Appointment
from calendars.google import event_template_url
from calendars.ics import CalendarEvent, build_ics
from calendars.link_pages import LinkState, LocalTimes, ended_at, link_state, page_language, recipient_zone
from calendars.links import google_calendar_url, ics_url
from calendars.selectors import link_target_get
from calendars.short_links import BadToken, LinkPurpose, LinkToken, token_decode
from participants.confirmations import participant_confirmation_record
from participants.models import Confirmation, Participant

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
ANSWER_OF = {LinkPurpose.CONFIRM: Confirmation.CONFIRMED, LinkPurpose.DECLINE: Confirmation.DECLINED}
_STATUS = {LinkState.UNKNOWN: 404, LinkState.EXPIRED: 410}


# No CSRF check: the signed token in the URL is the whole credential and no cookie or
# session is involved, so there is nothing ambient a forged cross-site form could use.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def short_link_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = token_decode(token)
    except BadToken:
        return _no_appointment_page(request, LinkState.UNKNOWN)
    appointment, participant = link_target_get(
        appointment_id=link.appointment_id, participant_pk=link.participant_pk
    )
    state = link_state(link=link, appointment=appointment, participant=participant)
    if appointment is None or participant is None or state == LinkState.EXPIRED:
        return _no_appointment_page(request, state)
    if link.purpose in ANSWER_OF:
        return _confirmation_page(request, link, appointment, participant, state)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _appointment_link(request, link, appointment, participant, state)


def _appointment_link(
    request: HttpRequest,
    link: LinkToken,
    appointment: Appointment,
    participant: Participant,
    state: LinkState,
) -> HttpResponse:
    moved = link.moved(appointment.start)
    if state == LinkState.ACTIVATED and link.purpose == LinkPurpose.JOIN:
        return _never_cached(HttpResponseRedirect(appointment.room_url))
    if state != LinkState.ENDED and not moved and link.purpose == LinkPurpose.ICS:
        return _ics_file(appointment)
    if state != LinkState.ENDED and not moved and link.purpose == LinkPurpose.GOOGLE:
        return _never_cached(
            HttpResponseRedirect(event_template_url(CalendarEvent.from_appointment(appointment)))
        )
    return _page(request, "links/appointment.html", _context(link, appointment, participant, state))


def _confirmation_page(
    request: HttpRequest,
    link: LinkToken,
    appointment: Appointment,
    participant: Participant,
    state: LinkState,
) -> HttpResponse:
    context = _context(link, appointment, participant, state)
    answer = ANSWER_OF[link.purpose]
    open_ = state in (LinkState.SCHEDULED, LinkState.ACTIVATED)
    recorded = False
    if request.method == "POST" and open_:
        participant_confirmation_record(participant=participant, answer=answer, channel="EMAIL")
        recorded = True
    current = answer if recorded else participant.confirmation
    context.update(
        answer=answer,
        open=open_,
        recorded=recorded,
        current=current,
        already=current == answer and not recorded,
    )
    return _page(request, "links/confirm.html", context)


def _context(link: LinkToken, appointment: Appointment, participant: Participant, state: LinkState) -> dict:
    language = page_language(appointment.locale)
    # Dates in the appointment's own locale (en_GB's day before month) when the page speaks its language.
    own = (appointment.locale or "").replace("-", "_")
    babel_locale = own if own.split("_")[0].lower() == language else language
    times = LocalTimes(zone=recipient_zone(appointment, participant), locale=babel_locale)
    organizer = next(
        (p for p in appointment.participants.all() if p.participant_id == appointment.organizer_id), None
    )
    return {
        "language": language,
        "state": state.value,
        "title": appointment.title,
        "recipient": participant.first_name,
        "organizer": organizer.full_name if organizer else "",
        "day": times.day(appointment.start),
        "start": times.clock(appointment.start),
        "end": times.clock(appointment.end),
        "zone": times.zone.key,
        "moved_from": times.when(link.start) if link.moved(appointment.start) else "",
        "ended_at": times.when(ended_at(appointment)) if state == LinkState.ENDED else "",
        "room_url": appointment.room_url if state == LinkState.ACTIVATED else "",
        "ics_url": ics_url(appointment.pk),
        "google_url": google_calendar_url(appointment.pk),
    }


def _no_appointment_page(request: HttpRequest, state: LinkState) -> HttpResponse:
    """Unknown, expired and cancelled links: nothing of an appointment to show, so the browser's language."""
    language = translation.get_language_from_request(request)
    return _page(
        request,
        "links/message.html",
        {"language": language, "state": state.value},
        status=_STATUS.get(state, 200),
    )


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    with translation.override(context["language"]):
        response = render(request, template, context, status=status)
    # The page shows the appointment as it is now: a cached copy would be stale.
    return _never_cached(response)


def _ics_file(appointment: Appointment) -> HttpResponse:
    response = HttpResponse(
        build_ics(CalendarEvent.from_appointment(appointment)), content_type=ICS_CONTENT_TYPE
    )
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=f"appointment-{appointment.pk}.ics")
    )
    return _never_cached(response)


def _never_cached(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"  # the token must not travel to the room or Google
    return response
