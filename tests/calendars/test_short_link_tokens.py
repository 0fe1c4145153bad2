"""Short-link tokens: short, round-trip, refuse any alteration, and expire after the appointment."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import override_settings

from calendars.short_links import BadToken, LinkPurpose, LinkToken, token_decode, token_encode

START = datetime(2030, 1, 31, 19, 0, tzinfo=UTC)


def _link(**changes) -> LinkToken:
    values = {
        "purpose": LinkPurpose.JOIN,
        "appointment_id": uuid.UUID("0b5e7c1e-4f0a-4a8e-9d0c-2f2b1d9b6c11"),
        "participant_pk": 4242,
        "start": START,
        "end": START + timedelta(minutes=45),
    }
    return LinkToken(**{**values, **changes})


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_a_token_round_trips_and_is_short_and_url_safe(purpose):
    link = _link(purpose=purpose)
    token = token_encode(link)
    assert token_decode(token) == link
    assert len(token) < 100
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_every_altered_byte_is_refused():
    token = token_encode(_link())
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for index in range(len(raw)):
        altered = bytearray(raw)
        altered[index] ^= 0x01
        with pytest.raises(BadToken):
            token_decode(base64.urlsafe_b64encode(bytes(altered)).rstrip(b"=").decode())


@pytest.mark.parametrize("garbage", ["", "abc", "!!!!", "a" * 67, "é" * 10])
def test_garbage_is_refused(garbage):
    with pytest.raises(BadToken):
        token_decode(garbage)


def test_cut_or_extended_tokens_are_refused():
    token = token_encode(_link())
    for wrong in (token[:-1], token[:-4], token + "A", token + "AAAA"):
        with pytest.raises(BadToken):
            token_decode(wrong)


def test_another_secret_key_does_not_verify_but_a_fallback_does():
    token = token_encode(_link())
    old_key = settings.SECRET_KEY
    new_key = "another-secret-key-of-quite-some-length-0123456789"
    with override_settings(SECRET_KEY=new_key), pytest.raises(BadToken):
        token_decode(token)
    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[old_key]):
        assert token_decode(token) == _link()


@override_settings(LINK_TOKEN_TTL_AFTER_END=timedelta(days=30))
def test_a_link_expires_the_ttl_after_the_end_the_appointment_has_now():
    link = _link()
    assert link.expires_at(None) == START + timedelta(minutes=45, days=30)
    moved_end = START + timedelta(days=7, minutes=45)
    assert link.expires_at(moved_end) == moved_end + timedelta(days=30)
    assert link.expires_at(datetime(9999, 12, 31, 23, 0, tzinfo=UTC)).year == 9999


def test_a_start_with_microseconds_has_not_moved():
    start = START + timedelta(microseconds=250)
    link = token_decode(token_encode(_link(start=start)))
    assert not link.moved(start)
    assert link.moved(start + timedelta(seconds=1))


def test_times_keep_their_second_and_the_year_9999_fits():
    link = _link(start=START + timedelta(seconds=17), end=START + timedelta(hours=2))
    assert token_decode(token_encode(link)).start == START + timedelta(seconds=17)
    far = datetime(9999, 12, 31, 22, 0, tzinfo=UTC)
    assert token_decode(token_encode(_link(start=far, end=far + timedelta(hours=1)))).end.year == 9999
