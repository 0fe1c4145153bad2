"""One-time codes that let a customer schedule without a token (CONTRACT.md section 6).

A code is six digits, kept only as a keyed hash, valid for settings.OTP_VALIDITY,
good for one use and settings.OTP_MAX_ATTEMPTS guesses. Requests are limited per
contact and per client address by counting recent rows in the database, so the
limits hold across every web process.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidInput
from notifications.models import Channel
from notifications.services import direct_message_send
from participants.contacts import normalize_email, normalize_phone
from participants.models import CustomerOneTimeCode, OneTimeCodeChannel
from tenants.models import Application

CODE_DIGITS = 6


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
    return Contact(OneTimeCodeChannel.SMS, normalize_phone(phone or ""))


def contact_parse(value: str) -> Contact:
    """Read the user part of a Basic credential: an email address or a phone number."""
    return contact_from(email=value) if "@" in value else contact_from(phone=value)


def _code_hash(*, application_id, contact: Contact, code: str) -> str:
    # Keyed with SECRET_KEY and bound to tenant and contact: a leaked table row
    # cannot be brute-forced offline, nor replayed for another contact.
    message = f"customer-otp:{application_id}:{contact.value}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def otp_deliver(
    *, application: Application, email: str | None = None, phone: str | None = None, code: str
) -> None:
    """Send a code to the customer through the application's verified email or SMS sender."""
    minutes = max(1, int(settings.OTP_VALIDITY.total_seconds() // 60))
    text = (
        f"Your code to book a video appointment with {application.name} is {code}. "
        f"It is valid for {minutes} minutes and can be used once."
    )
    if email:
        direct_message_send(
            application=application,
            channel=Channel.EMAIL,
            to=email,
            subject=f"Your verification code: {code}",
            text_body=f"{text}\n\nIf you did not ask for it, you can ignore this message.",
        )
    else:
        direct_message_send(application=application, channel=Channel.SMS, to=phone, text_body=text)


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
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = CustomerOneTimeCode.objects.create(
        application=application,
        channel=contact.channel,
        contact=contact.value,
        code_hash=_code_hash(application_id=application.pk, contact=contact, code=code),
        client_address=client_address,
        expires_at=now + settings.OTP_VALIDITY,
    )
    # Inside the transaction: a code that could not be sent is not kept.
    otp_deliver(
        application=application,
        email=contact.value if contact.is_email else None,
        phone=None if contact.is_email else contact.value,
        code=code,
    )
    return row


def _check_rate(*, application: Application, contact: Contact, client_address: str | None, now) -> None:
    recent = CustomerOneTimeCode.objects.filter(created_at__gte=now - settings.OTP_RATE_WINDOW)
    if recent.filter(application=application, contact=contact.value).count() >= settings.OTP_MAX_PER_CONTACT:
        raise TooManyRequests("too many codes requested for this contact; try again later")
    if (
        client_address
        and recent.filter(client_address=client_address).count() >= settings.OTP_MAX_PER_ADDRESS
    ):
        raise TooManyRequests("too many codes requested from this address; try again later")


def otp_application(*, application_id) -> Application:
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
    expected = _code_hash(application_id=application.pk, contact=contact, code=code)
    matched = hmac.compare_digest(latest.code_hash, expected)
    if matched:
        latest.used_at = now
    latest.save(update_fields=["attempts", "used_at", "updated_at"])
    return matched
