from django.db import models

from core.models import TimeStampedModel
from tenants.models import TenantOwnedModel


class ParticipantType(models.TextChoices):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"


class ParticipantState(models.TextChoices):
    ACTIVE = "active", "Active"
    WAITING = "WAITING", "Waiting"
    JOINED = "JOINED", "Joined"
    LEFT = "LEFT", "Left"


# States a participant may be moved to through the API ("active" is only the initial one).
SETTABLE_STATES = (ParticipantState.WAITING, ParticipantState.JOINED, ParticipantState.LEFT)


class Confirmation(models.TextChoices):
    """A participant's answer to "will you attend?" (issue 18: SMS replies and email links)."""

    NONE = "NONE"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"


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
    # When `state` last changed: how long a customer has been WAITING.
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # When the participant first became JOINED (kept when they leave): "a customer ever joined".
    first_joined_at = models.DateTimeField(null=True, blank=True)
    # Database defaults too, so bulk loads (COPY in bench/dataset.py) need not name these columns.
    confirmation = models.CharField(
        max_length=16, choices=Confirmation.choices, default=Confirmation.NONE, db_default=Confirmation.NONE
    )
    confirmation_at = models.DateTimeField(null=True, blank=True)
    # How the answer came: SMS or EMAIL ("" while NONE).
    confirmation_channel = models.CharField(max_length=8, blank=True, default="", db_default="")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "participant_id"], name="participant_unique_in_appointment"
            ),
        ]
        indexes = [
            models.Index(fields=["application", "participant_id"], name="participant_app_pid_idx"),
            # The customers waiting now (appointments.selectors.customers_waiting, the escalation tick):
            # a handful of rows however many participants there are.
            models.Index(
                fields=["state_changed_at"],
                condition=models.Q(type="CUSTOMER", state="WAITING"),
                name="participant_customer_wait_idx",
            ),
            # Customers waiting right now (the dashboard): a handful of rows among millions.
            models.Index(
                fields=["application", "state_changed_at"],
                condition=models.Q(state="WAITING"),
                name="participant_waiting_idx",
            ),
            # The dashboard's weekly confirmation rate reads customers by appointment from this
            # index alone (an index-only scan: no table page per customer).
            models.Index(
                fields=["appointment"],
                include=["confirmation"],
                condition=models.Q(type="CUSTOMER"),
                name="participant_customer_conf_idx",
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{self.type} {name or self.participant_id}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OneTimeCodeChannel(models.TextChoices):
    EMAIL = "EMAIL"
    SMS = "SMS"


class CustomerOneTimeCode(TenantOwnedModel):
    """A code sent to a customer's email or phone to prove it is theirs (CONTRACT.md section 6).

    Only a keyed hash of the code is kept. Rows double as the rate-limit ledger:
    counting recent rows per contact and per client address works across every
    web process, which a per-process cache would not.
    """

    channel = models.CharField(max_length=8, choices=OneTimeCodeChannel.choices)
    contact = models.CharField(max_length=254, help_text="Lower-case email or E.164 phone number.")
    code_hash = models.CharField(max_length=64)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["application", "contact", "created_at"], name="otp_app_contact_idx"),
            models.Index(fields=["client_address", "created_at"], name="otp_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} code for {self.contact}"


class CustomerCodeGuessCounter(TimeStampedModel):
    """Wrong guesses at customers' codes from one client address, in the window begun at the first.

    One row per address, across applications, like the request limit: an attacker's
    address is the same whichever tenant it aims at. The count moves only by
    conditional UPDATEs, so parallel guesses from every web process are each counted.
    """

    client_address = models.GenericIPAddressField(unique=True)
    window_started_at = models.DateTimeField()
    wrong_guesses = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.wrong_guesses} wrong guesses from {self.client_address}"
