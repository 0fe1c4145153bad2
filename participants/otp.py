"""One-time codes that let a customer schedule without a token (CONTRACT.md section 6).

A code is six digits, kept only as a keyed hash, valid for settings.OTP_VALIDITY,
good for one use and settings.OTP_MAX_ATTEMPTS guesses. Requests are limited per
contact and per client address by counting recent rows in the database, so the
limits hold across every web process.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidInput
from core.events import Event
from core.one_time_codes import code_digest, code_matches, code_new
from participants.contacts import normalize_customer_phone, normalize_email
from participants.models import CustomerOneTimeCode, OneTimeCodeChannel
from tenants.models import Application


class CodeRejected(DomainError):
    """The contact and code do not match a live code: 401, like any failed login."""

    status = 401


class TooManyRequests(DomainError):
    status = 429


@dataclass(frozen=True)
class Contact:
    channel: str
    value: str

    @property
    def is_email(self) -> bool:
        return self.channel == OneTimeCodeChannel.EMAIL


def contact_from(*, email: str | None = None, phone: str | None = None) -> Contact:
    """The one contact a code goes to; ValueError when it is malformed."""
    if email:
        # Matched case-insensitively: mail systems treat addresses so in practice.
        return Contact(OneTimeCodeChannel.EMAIL, normalize_email(email).lower())
    return Contact(OneTimeCodeChannel.SMS, normalize_customer_phone(phone or ""))


def contact_parse(value: str) -> Contact:
    """Read the user part of a Basic credential: an email address or a phone number."""
    return contact_from(email=value) if "@" in value else contact_from(phone=value)


@dataclass(frozen=True)
class OneTimeCodeIssued:
    """A code that must reach `to` (an email address or E.164 number) on `channel` (EMAIL or SMS)."""

    application: Application
    channel: str
    to: str
    code: str
    valid_for: timedelta


# Required: a code nobody sends locks the customer out, so publishing it unheard is an error.
ONE_TIME_CODE_ISSUED: Event[OneTimeCodeIssued] = Event("participants.one_time_code_issued", required=True)


def _purpose(*, application_id: object, contact: Contact) -> str:
    # Bound to tenant and contact: a row cannot be replayed for another contact.
    return f"customer-otp:{application_id}:{contact.value}"


def otp_deliver(*, application: Application, contact: Contact, code: str) -> None:
    """Announce the code; the notifications app sends it through the application's verified sender."""
    ONE_TIME_CODE_ISSUED.publish(
        OneTimeCodeIssued(
            application=application,
            channel=contact.channel,
            to=contact.value,
            code=code,
            valid_for=settings.OTP_VALIDITY,
        )
    )


@transaction.atomic
def otp_request(
    *,
    application: Application,
    email: str | None = None,
    phone: str | None = None,
    client_address: str | None = None,
) -> CustomerOneTimeCode:
    """Create and send a fresh code; earlier codes of the contact stop counting."""
    if bool(email) == bool(phone):
        raise InvalidInput("give either email or phone", fields={"email": ["give either email or phone"]})
    try:
        contact = contact_from(email=email, phone=phone)
    except ValueError as exc:
        raise InvalidInput.for_field("email" if email else "phone", str(exc)) from None
    now = timezone.now()
    _check_rate(application=application, contact=contact, client_address=client_address, now=now)
    code = code_new()
    row = CustomerOneTimeCode.objects.create(
        application=application,
        channel=contact.channel,
        contact=contact.value,
        code_hash=code_digest(purpose=_purpose(application_id=application.pk, contact=contact), code=code),
        client_address=client_address,
        expires_at=now + settings.OTP_VALIDITY,
    )
    # Inside the transaction: a code that could not be sent is not kept.
    otp_deliver(application=application, contact=contact, code=code)
    return row


def _check_rate(
    *, application: Application, contact: Contact, client_address: str | None, now: datetime
) -> None:
    recent = CustomerOneTimeCode.objects.filter(created_at__gte=now - settings.OTP_RATE_WINDOW)
    if recent.filter(application=application, contact=contact.value).count() >= settings.OTP_MAX_PER_CONTACT:
        raise TooManyRequests("too many codes requested for this contact; try again later")
    if (
        client_address
        and recent.filter(client_address=client_address).count() >= settings.OTP_MAX_PER_ADDRESS
    ):
        raise TooManyRequests("too many codes requested from this address; try again later")


def otp_application(*, application_id: uuid.UUID | str) -> Application:
    """The application a customer's code belongs to; an unknown one fails like a wrong code."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        raise CodeRejected("the code is wrong, expired or used up; request a new one")
    return application


def otp_verify(*, application: Application, contact: Contact, code: str) -> bool:
    """Check `code` against the contact's latest code, counting the attempt; True consumes it.

    Call inside a transaction: on success the caller's work and the consumption
    commit together. On failure nothing is raised, so that the counted attempt
    commits with the caller's (empty) transaction; the caller refuses afterwards.
    """
    latest = (
        CustomerOneTimeCode.objects.select_for_update()
        .filter(application=application, contact=contact.value)
        .order_by("-created_at", "-id")
        .first()
    )
    now = timezone.now()
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        return False
    if latest.attempts >= settings.OTP_MAX_ATTEMPTS:
        return False
    latest.attempts += 1
    matched = code_matches(
        stored_digest=latest.code_hash,
        purpose=_purpose(application_id=application.pk, contact=contact),
        code=code,
    )
    if matched:
        latest.used_at = now
    latest.save(update_fields=["attempts", "used_at", "updated_at"])
    return matched
