from django.db import models

from tenants.models import TenantOwnedModel


class ParticipantType(models.TextChoices):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"


class ParticipantState(models.TextChoices):
    ACTIVE = "active", "Active"
    WAITING = "WAITING", "Waiting"
    JOINED = "JOINED", "Joined"
    LEFT = "LEFT", "Left"


class Participant(TenantOwnedModel):
    """An agent or customer taking part in an appointment.

    `participant_id` is the public id: an agent's user id, or a generated UUID for
    a customer. It is unique within its appointment, which is what turns a
    duplicate agent into a constraint violation rather than a race.
    """

    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.CASCADE, related_name="participants"
    )
    participant_id = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=ParticipantType.choices)
    state = models.CharField(max_length=16, choices=ParticipantState.choices, default=ParticipantState.ACTIVE)
    username = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164")
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "participant_id"], name="participant_unique_in_appointment"
            ),
        ]
        indexes = [
            models.Index(fields=["application", "participant_id"], name="participant_app_pid_idx"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{self.type} {name or self.participant_id}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
