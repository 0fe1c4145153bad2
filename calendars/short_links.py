"""Short signed links to the service: `/l/{token}`, decided when they are clicked.

A token names what the link is for, the appointment, the participant it was sent
to, and the appointment's start and end as the message showed them. It is
stateless: 38 bytes of payload and a 12-byte HMAC under SECRET_KEY (the
fallbacks verify too, so rotating the key does not break links already sent),
base64url without padding, 67 characters. Altering a single bit fails the check.
"""

import base64
import binascii
import hmac
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

_SALT = "calendars.short_links"
_VERSION = 1
# version, purpose, appointment id, participant row id, start (Unix seconds), duration (seconds).
_PAYLOAD = struct.Struct(">BB16sQqI")
_MAC_BYTES = 12


class LinkPurpose(IntEnum):
    JOIN = 1
    ICS = 2
    GOOGLE = 3
    CONFIRM = 4
    DECLINE = 5


@dataclass(frozen=True)
class LinkToken:
    purpose: LinkPurpose
    appointment_id: uuid.UUID
    participant_pk: int  # 0 for a sample link that names nobody
    start: datetime  # the start the message was rendered with, UTC
    end: datetime

    def moved(self, current_start: datetime) -> bool:
        """Whether the appointment now starts at another time than the message said (to the second)."""
        return int(current_start.timestamp()) != int(self.start.timestamp())

    def expires_at(self, current_end: datetime | None) -> datetime:
        """Until LINK_TOKEN_TTL_AFTER_END past the appointment's end (its current end, if it still exists)."""
        end = current_end or self.end
        try:
            return end + settings.LINK_TOKEN_TTL_AFTER_END
        except OverflowError:  # an appointment ending in the year 9999
            return datetime.max.replace(tzinfo=UTC)


class BadToken(ValueError):
    """Not a token this service signed: unknown, cut short or altered."""


def token_encode(link: LinkToken) -> str:
    duration = max(0, int((link.end - link.start).total_seconds()))
    payload = _PAYLOAD.pack(
        _VERSION,
        int(link.purpose),
        link.appointment_id.bytes,
        link.participant_pk,
        int(link.start.timestamp()),
        min(duration, 0xFFFFFFFF),
    )
    raw = payload + _mac(payload, settings.SECRET_KEY)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def token_decode(token: str) -> LinkToken:
    """The token's contents; BadToken when it was not signed here (its expiry is the caller's to check)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise BadToken("not base64url") from None
    if len(raw) != _PAYLOAD.size + _MAC_BYTES:
        raise BadToken("wrong length")
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac, _mac(payload, key)) for key in keys):
        raise BadToken("bad signature")
    version, purpose, appointment_id, participant_pk, start, duration = _PAYLOAD.unpack(payload)
    if version != _VERSION or purpose not in LinkPurpose._value2member_map_:
        raise BadToken("unknown version or purpose")
    start_at = datetime.fromtimestamp(start, tz=UTC)
    return LinkToken(
        purpose=LinkPurpose(purpose),
        appointment_id=uuid.UUID(bytes=appointment_id),
        participant_pk=participant_pk,
        start=start_at,
        end=start_at + timedelta(seconds=duration),
    )


def short_link(*, purpose: LinkPurpose, appointment, participant_pk: int) -> str:
    """The absolute /l/ link of `purpose` for one participant, with the appointment's current times."""
    token = token_encode(
        LinkToken(
            purpose=purpose,
            appointment_id=uuid.UUID(str(appointment.pk)),
            participant_pk=participant_pk,
            start=appointment.start,
            end=appointment.end,
        )
    )
    return f"{settings.PUBLIC_BASE_URL}{reverse('short-link', kwargs={'token': token})}"


def _mac(payload: bytes, key: str) -> bytes:
    return salted_hmac(_SALT, payload, secret=key, algorithm="sha256").digest()[:_MAC_BYTES]
