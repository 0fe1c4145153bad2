"""What the appointment list shows of the customers' answers: the confirmation filter and column text.

The answers are recorded by participants/confirmations.py (SMS replies, email links).
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from participants.models import Confirmation, Participant, ParticipantType

CONFIRMED, DECLINED, NO_ANSWER = "confirmed", "declined", "none"


def _customers_answering(answer: str):
    return Exists(
        Participant.objects.filter(
            appointment_id=OuterRef("pk"), type=ParticipantType.CUSTOMER, confirmation=answer
        )
    )


CONFIRMATION_FILTERS = {
    CONFIRMED: _customers_answering(Confirmation.CONFIRMED),
    DECLINED: _customers_answering(Confirmation.DECLINED),
    NO_ANSWER: ~_customers_answering(Confirmation.CONFIRMED) & ~_customers_answering(Confirmation.DECLINED),
}


class ConfirmationFilter(admin.SimpleListFilter):
    """Whether a customer confirmed or declined; "no answer" when no customer did either."""

    title = "customer confirmation"
    parameter_name = "confirmation"

    def lookups(self, request, model_admin):
        return [(CONFIRMED, "Confirmed"), (DECLINED, "Declined"), (NO_ANSWER, "No answer")]

    def queryset(self, request, queryset):
        value = self.value()
        condition = None if value is None else CONFIRMATION_FILTERS.get(value)
        return queryset if condition is None else queryset.filter(condition)


def confirmation_summary(*, customers: int, confirmed: int, declined: int) -> str:
    """The customers' answers in a few words: "confirmed", "declined", "1 confirmed, 1 no answer", "—"."""
    if not customers:
        return "—"
    if confirmed == customers:
        return CONFIRMED
    if declined == customers:
        return DECLINED
    if not confirmed and not declined:
        return "no answer"
    counts = [
        (confirmed, "confirmed"),
        (declined, "declined"),
        (customers - confirmed - declined, "no answer"),
    ]
    return ", ".join(f"{count} {label}" for count, label in counts if count)
