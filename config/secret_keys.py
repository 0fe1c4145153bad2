"""The rules a secret read from the environment must meet before the service starts."""

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(64))'"


def require_strong_secret(name: str, value: str | None) -> None:
    """Refuse a missing secret or one Django's deploy check would flag (security.W009).

    `check --deploy` only warns, and only when someone runs it; this refuses at start-up.
    The message names the variable, never its value.
    """
    if value is None:
        raise ImproperlyConfigured(
            f"{name} is not set; it is required when DEBUG is off (generate one: {_GENERATE})"
        )
    if (
        len(value) < SECRET_KEY_MIN_LENGTH
        or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or value.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"{name} is too weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters, at least "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, and no {SECRET_KEY_INSECURE_PREFIX!r} "
            f"prefix (generate one: {_GENERATE})"
        )


def public_key_pem(private_pem: str, *, name: str) -> str:
    """The PEM public key of a PEM private key, so that the tokens we sign also verify here."""
    try:
        private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ImproperlyConfigured(f"{name} must be an unencrypted PEM private key for RS256") from None
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()
