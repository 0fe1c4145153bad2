"""What state an appointment is in, as the console shows it: one name per appointment.

The states exclude one another, checked in this order:

- *no-show*: the no-show check set `no_show_at` (it ended, or passed its end, with no
  customer ever JOINED), whatever happened to it afterwards;
- *completed*: its interaction was ended (`interaction_state` COMPLETE);
- *activated*: it has its video room;
- *scheduled*: none of these yet.

The appointment list's status column and filter, and the dashboard's counts, all read
these definitions, so a dashboard bar and the list it links to count the same rows.
"""

from django.db.models import Case, CharField, Q, Value, When

from appointments.models import Appointment, InteractionState

SCHEDULED, ACTIVATED, COMPLETED, NO_SHOW = "scheduled", "activated", "completed", "no-show"
STATUSES = (SCHEDULED, ACTIVATED, COMPLETED, NO_SHOW)

_NO_SHOW = Q(no_show_at__isnull=False)
_COMPLETE = Q(interaction_state=InteractionState.COMPLETE)
_ROOM = ~Q(room_url="")

STATUS_FILTERS: dict[str, Q] = {
    SCHEDULED: ~_NO_SHOW & ~_COMPLETE & ~_ROOM,
    ACTIVATED: ~_NO_SHOW & ~_COMPLETE & _ROOM,
    COMPLETED: ~_NO_SHOW & _COMPLETE,
    NO_SHOW: _NO_SHOW,
}


def status_of(appointment: Appointment) -> str:
    """The appointment's state by the rules of the module docstring."""
    if appointment.no_show_at is not None:
        return NO_SHOW
    if appointment.interaction_state == InteractionState.COMPLETE:
        return COMPLETED
    return ACTIVATED if appointment.room_url else SCHEDULED


def status_expression() -> Case:
    """The same rules as SQL, for grouping appointments by state in one query."""
    return Case(
        When(_NO_SHOW, then=Value(NO_SHOW)),
        When(_COMPLETE, then=Value(COMPLETED)),
        When(_ROOM, then=Value(ACTIVATED)),
        default=Value(SCHEDULED),
        output_field=CharField(),
    )
