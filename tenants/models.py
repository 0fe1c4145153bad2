import uuid

import phonenumbers
from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class ApplicationKind(models.TextChoices):
    GENESYS = "genesys", "Genesys Cloud"
    TALKDESK = "talkdesk", "Talkdesk"


def phone_region_choices() -> list[tuple[str, str]]:
    """The regions whose national phone numbers phonenumbers can read, labelled "GR (+30)"."""
    # A callable, so that the migration names it instead of copying a list each phonenumbers release changes.
    return [
        (region, f"{region} (+{phonenumbers.country_code_for_region(region)})")
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    ]


class Application(TimeStampedModel):
    """A tenant: one contact-center integration and everything it owns."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    organization_id = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(max_length=16, choices=ApplicationKind.choices, default=ApplicationKind.GENESYS)
    auto_activate = models.BooleanField(default=False, help_text="Activate appointments when scheduled.")
    notifications_active = models.BooleanField(default=False, help_text="Send notifications at all.")
    default_locale = models.CharField(max_length=16, default="en_US")
    default_region = models.CharField(
        max_length=2,
        blank=True,
        default="",
        choices=phone_region_choices,
        help_text=(
            "Region (ISO 3166 alpha-2) of customers' phone numbers written without + and country code. "
            "Blank: such numbers are refused."
        ),
    )
    # --- reaching customers and supervising (GET/PATCH /api/applications/settings) ---
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="Reminders due after this local time wait (both ends or neither)."
    )
    quiet_hours_end = models.TimeField(
        null=True, blank=True, help_text="Local time at which held reminders go out."
    )
    confirmation_requests = models.BooleanField(
        default=False, help_text="Reminders ask customers to confirm or decline (SMS reply, email links)."
    )
    sms_fallback_to_email = models.BooleanField(
        default=False, help_text="An SMS that cannot be delivered goes once by email instead."
    )
    short_links = models.BooleanField(
        default=False, help_text="Links in messages go through the service and show the current state."
    )
    waiting_escalation_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=3,
        help_text="Raise customer.waiting after a customer waits this long with no agent. Blank: off.",
    )
    prevent_agent_overlap = models.BooleanField(
        default=False, help_text="Refuse appointments that make an agent organize two at once."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | (
                        models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                        & ~models.Q(quiet_hours_start=models.F("quiet_hours_end"))
                    )
                ),
                name="application_quiet_hours_both_or_none",
                violation_error_message="Quiet hours need a start and an end that differ, or neither.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization_id})"

    @property
    def default_routing_type(self) -> str:
        return "TALKDESK_DIGITAL_CONNECT" if self.kind == ApplicationKind.TALKDESK else "GENESYS_CLOUD_FLOW"


class TenantQuerySet(models.QuerySet):
    """Queryset of tenant-owned rows: the one place where scoping to a caller happens."""

    def for_application(self, application_id) -> "TenantQuerySet":
        return self.filter(application_id=application_id)

    def for_principal(self, principal) -> "TenantQuerySet":
        return self.for_application(principal.application_id)


class TenantOwnedModel(TimeStampedModel):
    """A row that belongs to exactly one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class SupervisorMembership(TimeStampedModel):
    """A staff user who supervises an application in the admin console.

    Membership is what scopes the admin: a supervisor sees and edits only the rows
    of the applications they are a member of. Superusers need no membership.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisor_memberships"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="supervisor_memberships"
    )

    class Meta:
        ordering = ["application__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="supervisor_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} supervises {self.application}"
