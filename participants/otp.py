"""One-time codes that let a customer schedule without a token (CONTRACT.md section 6).

A code is six digits, kept only as a keyed hash, valid for settings.OTP_VALIDITY,
good for one use and settings.OTP_MAX_ATTEMPTS guesses. Requests are limited per
contact and per client address by counting recent rows in the database, so the
limits hold across every web process.

Wrong guesses burn the code, never the customer (NIST SP 800-63B throttles rather
than locks out): a new code can always be requested within the request limits.
Guessing is throttled per client address instead (settings.OTP_MAX_GUESSES_PER_ADDRESS
wrong guesses per settings.OTP_RATE_WINDOW). Both counters move by conditional
UPDATEs, never read-modify-write, so parallel guesses are each counted.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from core.errors import DomainError, InvalidInput
from core.events import Event
from core.metrics import one_time_code_refused
from core.one_time_codes import code_digest, code_matches, code_new
from participants.contacts import normalize_customer_phone, normalize_email
from participants.models import CustomerCodeGuessCounter, CustomerOneTimeCode, OneTimeCodeChannel
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


def contact_from(*, application: Application, email: str | None = None, phone: str | None = None) -> Contact:
    """The one contact a code goes to; ValueError when it is malformed.

    A phone number written nationally is read in the application's default region.
    """
    if email:
        # Matched case-insensitively: mail systems treat addresses so in practice.
        return Contact(OneTimeCodeChannel.EMAIL, normalize_email(email).lower())
    return Contact(OneTimeCodeChannel.SMS, normalize_customer_phone(phone or "", application=application))


def contact_parse(value: str, *, application: Application) -> Contact:
    """Read the user part of a Basic credential of `application`: an email address or a phone number."""
    if "@" in value:
        return contact_from(application=application, email=value)
    return contact_from(application=application, phone=value)


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
        contact = contact_from(application=application, email=email, phone=phone)
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
        one_time_code_refused(purpose="customer", reason="codes_per_contact")
        raise TooManyRequests("too many codes requested for this contact; try again later")
    if (
        client_address
        and recent.filter(client_address=client_address).count() >= settings.OTP_MAX_PER_ADDRESS
    ):
        one_time_code_refused(purpose="customer", reason="codes_per_address")
        raise TooManyRequests("too many codes requested from this address; try again later")


def otp_application(*, application_id: uuid.UUID | str) -> Application:
    """The application a customer's code belongs to; an unknown one fails like a wrong code."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        raise CodeRejected("the code is wrong, expired or used up; request a new one")
    return application


def otp_verify(
    *, application: Application, contact: Contact, code: str, client_address: str | None = None
) -> bool:
    """Check `code` against the contact's latest code, counting the attempt; True consumes it.

    Call inside a transaction: on success the caller's work and the consumption
    commit together. On failure nothing is raised, so that the counted attempt
    commits with the caller's (empty) transaction; the caller refuses afterwards.
    An address over its guess limit gets TooManyRequests before any code is tried.
    """
    now = timezone.now()
    if client_address:
        _guess_admit(client_address=client_address, now=now)
    matched = _code_try(application=application, contact=contact, code=code, now=now)
    if matched and client_address:
        # Only wrong guesses count: customers behind one address may all book.
        CustomerCodeGuessCounter.objects.filter(client_address=client_address, wrong_guesses__gt=0).update(
            wrong_guesses=F("wrong_guesses") - 1, updated_at=now
        )
    return matched


def _code_try(*, application: Application, contact: Contact, code: str, now: datetime) -> bool:
    latest = (
        CustomerOneTimeCode.objects.filter(application=application, contact=contact.value)
        .order_by("-created_at", "-id")
        .only("pk", "code_hash")
        .first()
    )
    if latest is None:
        return False
    live = CustomerOneTimeCode.objects.filter(pk=latest.pk, used_at__isnull=True, expires_at__gt=now)
    # One conditional UPDATE: parallel guesses cannot share an attempt or pass the limit.
    if not live.filter(attempts__lt=settings.OTP_MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1, updated_at=now
    ):
        return False
    purpose = _purpose(application_id=application.pk, contact=contact)
    if not code_matches(stored_digest=latest.code_hash, purpose=purpose, code=code):
        return False
    # Of two right guesses in parallel, only the one that marks the code used wins.
    return bool(live.update(used_at=now, updated_at=now))


def _guess_admit(*, client_address: str, now: datetime) -> None:
    """Count a guess from `client_address`, or refuse it with 429 when the address is over its limit."""
    counter = CustomerCodeGuessCounter.objects.filter(client_address=client_address)
    counter.filter(window_started_at__lte=now - settings.OTP_RATE_WINDOW).update(
        window_started_at=now, wrong_guesses=0, updated_at=now
    )
    # Count on the address's counter; with none yet, start one; if a parallel guess started it
    # between the two (the insert then fails on the unique address), count on theirs.
    if (
        _guess_count(counter, now=now)
        or _guess_counter_create(client_address=client_address, now=now)
        or _guess_count(counter, now=now)
    ):
        return
    one_time_code_refused(purpose="customer", reason="guesses_per_address")
    raise TooManyRequests("too many wrong code guesses from this address; try again later")


def _guess_count(counter: QuerySet[CustomerCodeGuessCounter], *, now: datetime) -> bool:
    """Add one guess if the address has room: one conditional UPDATE, exact under parallel requests."""
    return bool(
        counter.filter(wrong_guesses__lt=settings.OTP_MAX_GUESSES_PER_ADDRESS).update(
            wrong_guesses=F("wrong_guesses") + 1, updated_at=now
        )
    )


def _guess_counter_create(*, client_address: str, now: datetime) -> bool:
    """Start the address's counter at one guess; False if the limit is zero or another request won."""
    if settings.OTP_MAX_GUESSES_PER_ADDRESS < 1:
        return False
    try:
        with transaction.atomic():
            CustomerCodeGuessCounter.objects.create(
                client_address=client_address, window_started_at=now, wrong_guesses=1
            )
    except IntegrityError:
        return False
    return True
