"""One-time codes: how the service makes them, keeps them and checks them, whoever sends them.

Customers prove a contact with one (participants.otp), administrators prove a
sender with one (notifications' sender verification). Either way only a keyed
hash is stored: keyed with SECRET_KEY and bound to what the code is for, so a
leaked table row can neither be brute-forced offline nor replayed elsewhere.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

CODE_DIGITS = 6


def code_new(*, digits: int = CODE_DIGITS) -> str:
    """A random numeric code with leading zeros kept (e.g. "042917")."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_digest(*, purpose: str, code: str) -> str:
    """The keyed hash to store for `code`; `purpose` binds it (tenant, contact or row id)."""
    message = f"{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def code_matches(*, stored_digest: str, purpose: str, code: str) -> bool:
    """Compare in constant time, so response times do not leak how much of a guess was right."""
    return hmac.compare_digest(stored_digest, code_digest(purpose=purpose, code=code))
