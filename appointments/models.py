import uuid

from django.db import models

from tenants.models import TenantOwnedModel


class InteractionState(models.TextChoices):
    PENDING = "PENDING"
    COMPLETE = "COMPLETE"


class RoutingType(models.TextChoices):
    GENESYS_CLOUD_FLOW = "GENESYS_CLOUD_FLOW"
    GENESYS_CLOUD_QUEUE = "GENESYS_CLOUD_QUEUE"
    TALKDESK_DIGITAL_CONNECT = "TALKDESK_DIGITAL_CONNECT"


class OrganizerType(models.TextChoices):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"


class Appointment(TenantOwnedModel):
    """A scheduled video call. Times are stored in UTC; `timezone` is only for display."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organizer_id = models.CharField(max_length=200)
    organizer_type = models.CharField(
        max_length=16, choices=OrganizerType.choices, default=OrganizerType.AGENT
    )
    title = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    notification_headers = models.JSONField(default=dict, blank=True)
    locale = models.CharField(max_length=16, default="en_US")
    timezone = models.CharField(max_length=64)
    start = models.DateTimeField()
    duration = models.DurationField()
    end = models.DateTimeField()
    notifications_active = models.BooleanField(default=True)
    interaction_state = models.CharField(
        max_length=16, choices=InteractionState.choices, default=InteractionState.PENDING
    )
    routing_type = models.CharField(max_length=32, choices=RoutingType.choices)
    routing_properties = models.JSONField(default=dict, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    room_url = models.CharField(max_length=500, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change that clients are notified about; queued work that
    # was made for an older version knows it is stale.
    version = models.PositiveIntegerField(default=1)
    # iCalendar SEQUENCE: grows with every change of the schedule.
    sequence = models.PositiveIntegerField(default=0)
    # Set once when a customer waited too long with no agent (the customer.waiting event was raised).
    waiting_escalated_at = models.DateTimeField(null=True, blank=True)
    # Set once when the appointment ended, or passed its end, with no customer ever JOINED.
    no_show_at = models.DateTimeField(null=True, blank=True)
    # The application's prevent_agent_overlap as it was when the schedule or organizer was
    # last written. On PostgreSQL the exclusion constraint appt_agent_no_overlap (migration
    # 0004, not declared here because SQLite cannot hold it) keeps such agent-organized,
    # uncompleted appointments of one agent from overlapping; see appointments/overlaps.py.
    agent_overlap_guarded = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["application", "start"], name="appt_app_start_idx"),
            models.Index(fields=["application", "organizer_id", "start"], name="appt_app_organizer_idx"),
            models.Index(fields=["end"], name="appt_end_idx"),
            # The longest appointment of an application bounds the overlap search.
            models.Index(fields=["application", "duration"], name="appt_app_duration_idx"),
            # The no-show tick reads the appointments that ended lately and are not marked yet.
            models.Index(
                fields=["end"], condition=models.Q(no_show_at__isnull=True), name="appt_no_show_open_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appt_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["room_url"], condition=~models.Q(room_url=""), name="appt_room_url_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Appointment {self.pk}"

    @property
    def participant_rows(self) -> list:
        """Its participants, in the order responses list them.

        A page of appointments has the few columns a page shows prefetched into
        `page_participants` (appointments.selectors.appointment_list); anything else
        reads the `participants` relation, prefetched or not.
        """
        page_participants = self.__dict__.get("page_participants")
        if page_participants is not None:
            return page_participants
        return list(self.participants.all())

    @property
    def is_activated(self) -> bool:
        return bool(self.room_url)
