"""What an application's deliveries are planned from: its active templates, verified channels, endpoints.

Read once (three queries) and then used without touching the database, so the live
planner (one appointment at a time) and the replanner (hundreds of appointments a
batch) plan alike. A proposed template change is a policy too (`policy_with_template`):
previewing it needs nothing saved.
"""

from dataclasses import dataclass, replace
from datetime import timedelta

from appointments.models import Appointment
from notifications.models import ChannelSender, NotificationTemplate, WebhookEndpoint
from notifications.selectors import templates_chosen
from tenants.models import Application


@dataclass(frozen=True)
class PlanningPolicy:
    notifications_active: bool
    templates: tuple[NotificationTemplate, ...]  # the active ones
    channels: frozenset[str]  # channels with a verified sender
    endpoints: tuple[WebhookEndpoint, ...]  # the active ones

    def notifies(self, appointment: Appointment) -> bool:
        """Whether anything is sent for the appointment: it and the application both allow it."""
        return bool(appointment.notifications_active and self.notifications_active)

    def templates_for(
        self, appointment: Appointment, *, type: str, channel: str
    ) -> list[NotificationTemplate]:
        """The templates to send for the appointment, each in its best locale."""
        candidates = [t for t in self.templates if t.type == type and t.channel == channel]
        return templates_chosen(candidates, appointment=appointment)

    def periods(self, type: str) -> list[timedelta]:
        """The distinct periods of the active templates of `type`, any channel (timed webhooks use them)."""
        return sorted({t.period for t in self.templates if t.type == type and t.period is not None})

    def endpoints_for(self, type: str) -> list[WebhookEndpoint]:
        return [endpoint for endpoint in self.endpoints if type in endpoint.events]


def policy_load(*, application: Application) -> PlanningPolicy:
    """The application's policy as it is stored; three queries."""
    return PlanningPolicy(
        notifications_active=application.notifications_active,
        templates=tuple(NotificationTemplate.objects.filter(application_id=application.pk, active=True)),
        channels=frozenset(
            ChannelSender.objects.filter(application_id=application.pk).values_list("channel", flat=True)
        ),
        endpoints=tuple(WebhookEndpoint.objects.filter(application_id=application.pk, active=True)),
    )


def policy_with_template(
    policy: PlanningPolicy, *, template: NotificationTemplate, delete: bool = False
) -> PlanningPolicy:
    """`policy` as it would be with `template` saved as given (or deleted); nothing is written.

    A template with the id of a stored one replaces it; an inactive or deleted one
    plans nothing.
    """
    kept = tuple(t for t in policy.templates if t.pk != template.pk)
    if template.active and not delete:
        kept += (template,)
    return replace(policy, templates=kept)


def policy_with_notifications(policy: PlanningPolicy, *, active: bool) -> PlanningPolicy:
    """`policy` with the application's notifications switched on or off."""
    return replace(policy, notifications_active=active)
