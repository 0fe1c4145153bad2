"""The links a message carries: today's direct links, or short signed /l/ links.

With the application's `short_links` on, `{{roomUrl}}`, `{{icsUrl}}` and
`{{googleCalendarUrl}}` become /l/ links (calendars.short_links) that show the
appointment as it is when clicked; so the join link is there before the room is.
`{{confirmUrl}}` and `{{declineUrl}}` are set only while `confirmation_requests`
is on (empty otherwise, so a "Confirm: {{confirmUrl}}" line is left out).
Links are made at send time, for one recipient.
"""

from calendars.links import google_calendar_url, ics_url
from calendars.short_links import LinkPurpose, short_link

# A sample (unsaved) recipient gets confirm links that name nobody: they show "link not found".
_NOBODY = 0


def message_links(*, appointment, recipient) -> dict[str, str]:
    """The link tags' values for `recipient` of `appointment`."""
    application = appointment.application if appointment.application_id else None
    saved = not appointment._state.adding and recipient is not None and recipient.pk is not None
    links = {
        "roomUrl": appointment.room_url,
        "icsUrl": ics_url(appointment.pk),
        "googleCalendarUrl": google_calendar_url(appointment.pk),
        "confirmUrl": "",
        "declineUrl": "",
    }
    if saved and application is not None and application.short_links:
        links.update(
            roomUrl=short_link(
                purpose=LinkPurpose.JOIN, appointment=appointment, participant_pk=recipient.pk
            ),
            icsUrl=short_link(purpose=LinkPurpose.ICS, appointment=appointment, participant_pk=recipient.pk),
            googleCalendarUrl=short_link(
                purpose=LinkPurpose.GOOGLE, appointment=appointment, participant_pk=recipient.pk
            ),
        )
    if application is not None and application.confirmation_requests:
        participant_pk = recipient.pk if saved else _NOBODY
        links.update(
            confirmUrl=short_link(
                purpose=LinkPurpose.CONFIRM, appointment=appointment, participant_pk=participant_pk
            ),
            declineUrl=short_link(
                purpose=LinkPurpose.DECLINE, appointment=appointment, participant_pk=participant_pk
            ),
        )
    return links
