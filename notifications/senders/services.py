"""Writes of sender identities (verification by one-time code) and messages sent while the caller waits."""

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput, NotFound
from core.metrics import one_time_code_refused, one_time_code_sent
from core.one_time_codes import code_new
from notifications.backends.base import (
    DeliveryError,
    EmailMessage,
    SendResult,
    SmsMessage,
    get_backend,
)
from notifications.errors import DeliveryFailed
from notifications.metrics import provider_call_observe
from notifications.models import Channel, ChannelSender, DomainProof, SenderVerification, VerificationStatus
from notifications.senders import domains
from notifications.senders.selectors import sender_require
from notifications.templating.layout import email_html
from participants.otp import OneTimeCodeIssued
from tenants.models import Application

logger = logging.getLogger(__name__)


# --- verification ------------------------------------------------------------------


def sender_verification_start(
    *,
    application: Application,
    channel: str,
    to: str,
    domain: str = "",
    from_name: str = "",
    from_number: str = "",
) -> SenderVerification:
    """Send a one-time code to `to` from the sender being verified; a newer code replaces older ones."""
    code = code_new()
    now = timezone.now()
    with transaction.atomic():
        SenderVerification.objects.filter(
            application=application, channel=channel, status=VerificationStatus.PENDING
        ).update(status=VerificationStatus.SUPERSEDED, updated_at=now)
        verification = SenderVerification(
            application=application,
            channel=channel,
            domain=domain,
            from_name=from_name,
            from_number=from_number,
            sent_to=to,
            dns_token=_dns_token_for(application, domain) if channel == Channel.EMAIL else "",
            expires_at=now + settings.NOTIFICATIONS_VERIFICATION_TTL,
        )
        verification.set_code(code)
        verification.save()
    try:
        _send(channel, _verification_message(verification, code, application))
    except DeliveryFailed:
        # The code never arrived: nobody can confirm it.
        verification.delete()
        raise
    one_time_code_sent(purpose="sender", channel=channel)
    return verification


def _dns_token_for(application: Application, domain: str) -> str:
    """The application's token for the domain: the one it already has, so a published record keeps working."""
    known = (
        ChannelSender.objects.filter(application=application, channel=Channel.EMAIL, domain=domain)
        .exclude(dns_token="")
        .values_list("dns_token", flat=True)
        .first()
    ) or (
        SenderVerification.objects.filter(application=application, channel=Channel.EMAIL, domain=domain)
        .exclude(dns_token="")
        .order_by("-created_at")
        .values_list("dns_token", flat=True)
        .first()
    )
    return known or domains.dns_token_new()


def _verification_message(
    verification: SenderVerification, code: str, application: Application
) -> EmailMessage | SmsMessage:
    minutes = max(1, int(settings.NOTIFICATIONS_VERIFICATION_TTL.total_seconds() // 60))
    text = f"Your verification code is {code}. It is valid for {minutes} minutes."
    if verification.channel == Channel.SMS:
        return SmsMessage(to=verification.sent_to, from_number=verification.from_number, body=text)
    # Nothing about the domain is proven yet, so the code goes out as an unproven sender's mail does.
    headers = ChannelSender(domain=verification.domain, from_name=verification.from_name).email_headers(
        application_name=application.name
    )
    body = f"{text}\n\nEnter it to confirm that {application.name} can send email from {verification.domain}."
    return EmailMessage(
        to=verification.sent_to,
        from_email=headers.from_header,
        subject="Your verification code",
        text_body=body,
        headers=headers.extra(),
    )


def sender_verification_confirm(*, application: Application, channel: str, code: str) -> ChannelSender:
    """Check a code; a right one makes its sender the application's verified sender of the channel.

    An email sender's domain is proven by the code's address or, failing that, by its DNS TXT record.
    """
    sender = _code_confirm(application=application, channel=channel, code=code)
    if sender.channel != Channel.EMAIL or sender.domain_proven:
        return sender
    try:
        # Outside the code's transaction: no row stays locked while DNS answers.
        return sender_domain_recheck(sender=sender)
    except domains.DnsLookupFailed as exc:
        logger.warning("sender domain %s stays unproven: %s", sender.domain, exc)
        return sender


def _code_confirm(*, application: Application, channel: str, code: str) -> ChannelSender:
    now = timezone.now()
    with transaction.atomic():
        verification = (
            SenderVerification.objects.select_for_update()
            .filter(application=application, channel=channel, status=VerificationStatus.PENDING)
            .order_by("-created_at")
            .first()
        )
        if verification is None or verification.is_expired(now):
            raise NotFound(f"no pending {channel} verification code: it expired, was used, or was never sent")
        if verification.code_matches(code):
            verification.status = VerificationStatus.CONFIRMED
            verification.save(update_fields=["status", "updated_at"])
            return _sender_verified(verification, now)
        # A wrong guess is counted and committed before the 400 goes out.
        verification.attempts += 1
        left = settings.NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS - verification.attempts
        if left <= 0:
            verification.status = VerificationStatus.EXHAUSTED
            one_time_code_refused(purpose="sender", reason="guesses_used_up")
        verification.save(update_fields=["attempts", "status", "updated_at"])
    hint = f"{left} attempts left" if left > 0 else "no attempts left; request a new code"
    raise InvalidInput.for_field("code", f"the code is incorrect ({hint})")


def _sender_verified(verification: SenderVerification, now: datetime) -> ChannelSender:
    sender, _ = ChannelSender.objects.update_or_create(
        application=verification.application,
        channel=verification.channel,
        defaults={
            "domain": verification.domain,
            "from_name": verification.from_name,
            "from_number": verification.from_number,
            "verified_at": now,
            "verified_with": verification.sent_to,
            "dns_token": verification.dns_token,
            "domain_proven_by": DomainProof.ADDRESS
            if verification.channel == Channel.EMAIL
            and domains.address_in_domain(verification.sent_to, verification.domain)
            else DomainProof.NONE,
        },
    )
    return sender


def sender_domain_recheck(*, sender: ChannelSender) -> ChannelSender:
    """Look up the sender's TXT record again: found proves the domain, gone takes a DNS proof back.

    A proof by the code's address stands. Raises DnsLookupFailed, changing nothing,
    when DNS does not answer.
    """
    if sender.domain_proven_by == DomainProof.ADDRESS:
        return sender
    proven = domains.dns_proves(domain=sender.domain, token=sender.dns_token)
    state = DomainProof.DNS if proven else DomainProof.NONE
    # Only if the row still names the domain and token looked up: a newer confirmation wins.
    updated = (
        ChannelSender.objects.filter(pk=sender.pk, domain=sender.domain, dns_token=sender.dns_token)
        .exclude(domain_proven_by=DomainProof.ADDRESS)
        .update(domain_proven_by=state, updated_at=timezone.now())
    )
    if updated:
        sender.domain_proven_by = state
    return sender


# --- messages sent while the caller waits ---------------------------------------------


def direct_message_send(
    *,
    application: Application,
    channel: str,
    to: str,
    subject: str = "",
    text_body: str,
    html_body: str = "",
) -> SendResult:
    """Send one message now from the application's verified sender; an HTML body gets the email layout.

    404 (ServiceUnavailable) when the channel is not verified or switched off,
    502 (DeliveryFailed) when the provider does not take the message.
    """
    sender = sender_require(application=application, channel=channel)
    message: EmailMessage | SmsMessage
    if channel == Channel.EMAIL:
        headers = sender.email_headers(application_name=application.name)
        message = EmailMessage(
            to=to,
            from_email=headers.from_header,
            subject=subject,
            text_body=text_body,
            html_body=email_html(html_body, application=application),
            headers=headers.extra(),
        )
    elif channel == Channel.SMS:
        message = SmsMessage(to=to, from_number=sender.from_number, body=text_body)
    else:
        raise ValueError(f"direct_message_send() cannot send on channel {channel!r}")
    return _send(channel, message)


def one_time_code_send(event: OneTimeCodeIssued) -> None:
    """The ONE_TIME_CODE_ISSUED handler: send a customer's code through the application's sender."""
    application = event.application
    minutes = max(1, int(event.valid_for.total_seconds() // 60))
    text = (
        f"Your code to book a video appointment with {application.name} is {event.code}. "
        f"It is valid for {minutes} minutes and can be used once."
    )
    if event.channel == Channel.EMAIL:
        direct_message_send(
            application=application,
            channel=Channel.EMAIL,
            to=event.to,
            subject=f"Your verification code: {event.code}",
            text_body=f"{text}\n\nIf you did not ask for it, you can ignore this message.",
        )
    else:
        direct_message_send(application=application, channel=Channel.SMS, to=event.to, text_body=text)
    one_time_code_sent(purpose="customer", channel=event.channel)


def _send(channel: str, message: EmailMessage | SmsMessage) -> SendResult:
    backend = get_backend(channel)
    started = time.perf_counter()
    try:
        result = backend.send(message)
    except DeliveryError as exc:
        provider_call_observe(channel=channel, seconds=time.perf_counter() - started, ok=False)
        # The recipient stays out of the log: only ids and the provider's reason go there.
        logger.warning("%s message not sent: %s", channel, exc.message)
        raise DeliveryFailed(exc) from exc
    provider_call_observe(channel=channel, seconds=time.perf_counter() - started)
    return result
