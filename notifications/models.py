import uuid
from datetime import timedelta
from email.utils import formataddr, parseaddr
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel
from core.one_time_codes import code_digest, code_matches
from tenants.models import TenantOwnedModel


class NotificationType(models.TextChoices):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    CANCEL = "CANCEL"
    REMINDER = "REMINDER"
    ROOM = "ROOM"


class WebhookEvent(models.TextChoices):
    """What a webhook endpoint may subscribe to: the notification types plus events of their own."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    CANCEL = "CANCEL"
    REMINDER = "REMINDER"
    ROOM = "ROOM"
    PARTICIPANT_CONFIRMED = "participant.confirmed"
    PARTICIPANT_DECLINED = "participant.declined"
    CUSTOMER_WAITING = "customer.waiting"
    APPOINTMENT_NO_SHOW = "appointment.no_show"


# A delivery no endpoint subscribes to: the help text answering an SMS reply the
# service could not read (pipeline/replies.py), at most one a day per number.
HELP_REPLY = "HELP_REPLY"
DELIVERY_TYPES = [*WebhookEvent.choices, (HELP_REPLY, "Help reply")]

# Types sent some time before the start; their templates say how long before.
TIMED_TYPES = (NotificationType.REMINDER, NotificationType.ROOM)


class Channel(models.TextChoices):
    EMAIL = "EMAIL"
    SMS = "SMS"


class NotificationTemplate(TenantOwnedModel):
    """The text an application sends for one notification type, channel and locale."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=16, choices=NotificationType.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    locale = models.CharField(max_length=16)
    subject = models.CharField(max_length=500, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    # How long before the start a REMINDER or ROOM notification goes out.
    period = models.DurationField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["type", "channel", "locale", "period"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(type__in=TIMED_TYPES, period__isnull=False, period__gt=timedelta(0))
                    | (~models.Q(type__in=TIMED_TYPES) & models.Q(period__isnull=True))
                ),
                name="ntemplate_period_iff_timed",
                violation_error_message="REMINDER and ROOM templates need a positive period; others none.",
            ),
            # Two constraints because NULL periods are never equal in a unique index.
            models.UniqueConstraint(
                fields=["application", "type", "channel", "locale"],
                condition=models.Q(period__isnull=True),
                name="ntemplate_unique_untimed",
                violation_error_message="A template for this type, channel and locale already exists.",
            ),
            models.UniqueConstraint(
                fields=["application", "type", "channel", "locale", "period"],
                condition=models.Q(period__isnull=False),
                name="ntemplate_unique_timed",
                violation_error_message="A template for this type, channel, locale and period exists.",
            ),
        ]
        indexes = [models.Index(fields=["application", "type", "channel"], name="ntemplate_app_type_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.channel} {self.locale}"


class WebhookEndpoint(TenantOwnedModel):
    """An HTTP endpoint of the application that receives signed notification events."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="Notification types this endpoint receives.")
    # Kept in clear: every delivery is signed with it. Never shown by the API.
    secret = models.CharField(max_length=256)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "active"], name="nwebhook_app_active_idx")]

    def __str__(self) -> str:
        return self.url


class DomainProof(models.TextChoices):
    """How an email sender's domain was shown to be the application's; "" means it was not."""

    NONE = "", "not proven"
    ADDRESS = "ADDRESS", "the code went to an address of the domain"
    DNS = "DNS", "the domain publishes the application's TXT record"


class EmailHeaders(NamedTuple):
    from_header: str
    reply_to: str  # "" when replies go to From

    def extra(self) -> dict[str, str]:
        """The headers besides From, for EmailMessage.headers."""
        return {"Reply-To": self.reply_to} if self.reply_to else {}


def service_email_address() -> str:
    """The service's own address (DEFAULT_FROM_EMAIL, which may carry a display name)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


class ChannelSender(TenantOwnedModel):
    """The verified identity an application sends from: an email domain or an SMS number."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    domain = models.CharField(max_length=253, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    from_number = models.CharField(max_length=32, blank=True, help_text="E.164")
    verified_at = models.DateTimeField()
    # The address or number the confirmed code was sent to, for the audit trail.
    verified_with = models.CharField(max_length=254, blank=True)
    # A confirmed code proves an address, not the domain: mail uses the domain only once this is set.
    domain_proven_by = models.CharField(max_length=8, choices=DomainProof.choices, blank=True, default="")
    # The application's token for this domain's TXT record (notifications.senders.domains).
    dns_token = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "channel"], name="nsender_unique_channel"),
            models.CheckConstraint(
                condition=(
                    models.Q(channel="EMAIL", domain__gt="") | models.Q(channel="SMS", from_number__gt="")
                ),
                name="nsender_identity_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.email_address or self.from_number}"

    @property
    def email_address(self) -> str:
        """The address at the sender's domain (used in From only once the domain is proven)."""
        return f"{settings.NOTIFICATIONS_EMAIL_LOCAL_PART}@{self.domain}" if self.domain else ""

    @property
    def domain_proven(self) -> bool:
        return bool(self.domain) and self.domain_proven_by in (DomainProof.ADDRESS, DomainProof.DNS)

    def email_headers(self, *, application_name: str) -> EmailHeaders:
        """From and Reply-To of every email this sender sends; the one place that decides them.

        A proven domain: "From Name <no-reply@domain>". Otherwise the service's own
        address with the same display name, and replies go to the address the code
        was confirmed at, the one address known to reach the application.
        """
        name = self.from_name or application_name
        if self.domain_proven:
            return EmailHeaders(formataddr((name, self.email_address)), "")
        return EmailHeaders(formataddr((name, service_email_address())), self.verified_with)


class VerificationStatus(models.TextChoices):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    SUPERSEDED = "SUPERSEDED"
    EXHAUSTED = "EXHAUSTED"


class SenderVerification(TenantOwnedModel):
    """A one-time code sent to prove that an application can send from a domain or number."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    # The sender identity that becomes verified when the code is confirmed.
    domain = models.CharField(max_length=253, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    from_number = models.CharField(max_length=32, blank=True)
    sent_to = models.CharField(max_length=254)
    # The TXT record token for (application, domain), shown to the admin; kept across new codes.
    dns_token = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["application", "channel", "status"], name="nverify_app_channel_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} verification to {self.sent_to} ({self.status})"

    def set_code(self, code: str) -> None:
        # Salted with the row id: a leaked table alone does not let anyone test codes offline.
        self.code_hash = code_digest(purpose=str(self.id), code=code)

    def code_matches(self, code: str) -> bool:
        return code_matches(stored_digest=self.code_hash, purpose=str(self.id), code=code)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


# --- the delivery pipeline -------------------------------------------------------


class DeliveryChannel(models.TextChoices):
    EMAIL = "EMAIL"
    SMS = "SMS"
    WEBHOOK = "WEBHOOK"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING"  # waiting for its due time (or for its next attempt)
    CLAIMED = "CLAIMED"  # handed to a worker by a dispatch tick; nothing sent yet
    SENDING = "SENDING"  # a worker is talking to the provider right now
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


# Rows no worker has started to send: they may still be cancelled or claimed.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)
# CLAIMED and SENDING are internal: the API shows them as PENDING.
PUBLIC_STATUS: dict[str, str] = {
    DeliveryStatus.CLAIMED: DeliveryStatus.PENDING,
    DeliveryStatus.SENDING: DeliveryStatus.PENDING,
}


def internal_statuses(public_status: str) -> list[str]:
    """The stored statuses a public one stands for: PENDING also covers rows being claimed or sent."""
    return [public_status, *(stored for stored, public in PUBLIC_STATUS.items() if public == public_status)]


class Delivery(TenantOwnedModel):
    """One notification to one recipient on one channel: the outbox row and its audit log.

    Written in the transaction of the appointment change that causes it. The
    appointment is referred to by value, not by a foreign key, so that the row,
    and the CANCEL it carries, outlive the appointment's hard delete.
    """

    # Also sent to webhook receivers (X-Delivery-Id), which deduplicate on it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment_id = models.UUIDField(db_index=True)
    # A notification type, for webhooks one of the events of WebhookEvent, or HELP_REPLY.
    type = models.CharField(max_length=32, choices=DELIVERY_TYPES)
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    template = models.ForeignKey(
        NotificationTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    webhook_endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(max_length=2000, help_text="Email address, E.164 number or webhook URL.")
    # The participant's public id: name and room link are looked up afresh when sending.
    participant_id = models.CharField(max_length=200, blank=True)
    # Every participant this one message serves: those who share its address get it once.
    # participant_id is the first of them, the one whose name it is rendered with.
    participant_ids = models.JSONField(default=list, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    due_at = models.DateTimeField()
    # When the row was first due, if a rule (quiet hours) moved it; due_note says why.
    original_due_at = models.DateTimeField(null=True, blank=True)
    due_note = models.CharField(max_length=300, blank=True)
    # The SMS row this email replaces, when the SMS could not reach the recipient.
    fallback_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks"
    )
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Which claim holds the row: a send batch works only on the rows of its own claim, so a
    # batch whose claim ran out and was taken again does not render them a second time.
    claim_id = models.UUIDField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField()
    last_error = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    # Twilio's later word on an SMS it took: delivered, undelivered or failed.
    provider_status = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The appointment version the row was queued for: an UPDATE made for an older one is stale.
    appointment_version = models.PositiveIntegerField(default=1)
    # CANCEL only: what to send once the appointment is gone (recipient, rendered text, calendar event).
    snapshot = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            # An undelivered SMS falls back to one email, however many callbacks report it.
            models.UniqueConstraint(
                fields=["fallback_of"],
                condition=models.Q(fallback_of__isnull=False),
                name="delivery_one_fallback",
            ),
        ]
        indexes = [
            # The claim query reads only due PENDING rows: keep that index small.
            models.Index(
                fields=["due_at"], condition=models.Q(status="PENDING"), name="delivery_pending_due_idx"
            ),
            models.Index(fields=["application", "appointment_id"], name="delivery_app_appt_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="delivery_status_lease_idx"),
            models.Index(fields=["application", "due_at"], name="delivery_app_due_idx"),
            # An application's rows not sent yet (the dashboard's backlog and oldest due row):
            # the due ones among them are few, where the whole log has millions.
            models.Index(
                fields=["application", "due_at"],
                condition=models.Q(status__in=["PENDING", "CLAIMED", "SENDING"]),
                name="delivery_app_unsent_due_idx",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="delivery_provider_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.channel} to {self.recipient} ({self.status})"

    @property
    def public_status(self) -> str:
        return PUBLIC_STATUS.get(self.status, self.status)


class SmsOptOut(TenantOwnedModel):
    """A number that answered STOP to the application's SMS (Twilio error 21610).

    SMS to it are cancelled, never attempted, until the row is removed (an opt-in).
    """

    phone = models.CharField(max_length=32, help_text="E.164")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS opt-out"
        constraints = [
            models.UniqueConstraint(fields=["application", "phone"], name="smsoptout_unique_phone"),
        ]

    def __str__(self) -> str:
        return self.phone


class PipelineHeartbeat(TimeStampedModel):
    """When the dispatch tick last ran to its end, and on which worker: one row, kept by every tick.

    Read by /readyz (beat freshness), /metrics (last tick age) and `pipeline_status`, in any process.
    """

    DISPATCH = "dispatch"

    name = models.CharField(max_length=32, primary_key=True)
    ticked_at = models.DateTimeField()
    worker = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.ticked_at:%Y-%m-%d %H:%M:%S}"
