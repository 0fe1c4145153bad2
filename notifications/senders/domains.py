"""Proof that an application owns the email domain it sends from.

A one-time code proves that an address receives mail, not that the domain is
the application's. The domain counts as proven when the code went to an
address of that domain (or of one of its subdomains), or when the domain
publishes a TXT record `appointments-verification=<token>` with the token this
service gave the application for that domain. `txt_records` is the one place
that talks to DNS, so tests replace it.
"""

import secrets

import dns.exception
import dns.resolver

TXT_PREFIX = "appointments-verification="
# A lookup runs while an admin waits (confirm, "re-check DNS"): give up rather than hang.
DNS_LIFETIME_SECONDS = 5.0


class DnsLookupFailed(Exception):
    """DNS did not answer (timeout, no nameserver): nothing is known about the record either way."""


def dns_token_new() -> str:
    """A fresh random token for a TXT record; unguessable, so no other application can claim it."""
    return secrets.token_hex(16)


def txt_record(token: str) -> str:
    """The TXT record text that proves the domain for `token`."""
    return f"{TXT_PREFIX}{token}"


def txt_records(domain: str) -> list[str]:
    """The TXT strings published at `domain`; [] when it has none or does not exist."""
    try:
        answer = dns.resolver.resolve(domain, "TXT", lifetime=DNS_LIFETIME_SECONDS, search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise DnsLookupFailed(f"DNS lookup of {domain} failed: {exc}") from exc
    # A long TXT record arrives as several strings that together form one value.
    return [b"".join(record.strings).decode(errors="replace") for record in answer]


def dns_proves(*, domain: str, token: str) -> bool:
    """Whether `domain` publishes this token's TXT record; raises DnsLookupFailed when DNS does not answer."""
    if not (domain and token):
        return False
    expected = txt_record(token)
    return any(record.strip() == expected for record in txt_records(domain))


def address_in_domain(address: str, domain: str) -> bool:
    """Whether `address` is at `domain` or one of its subdomains (it@mail.acme.example is of acme.example)."""
    address_domain = address.rpartition("@")[2].lower().rstrip(".")
    domain = domain.lower().rstrip(".")
    return bool(domain) and (address_domain == domain or address_domain.endswith(f".{domain}"))
