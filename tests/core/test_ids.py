"""Identifiers are read in one spelling only: the 36-character hyphenated UUID (core.ids)."""

import uuid

import pytest
from rest_framework import serializers

from core.api.fields import UnquotedUUIDField
from core.ids import parse_uuid

CANONICAL = "f46f165d-383a-4432-9a3e-9c805a152e0c"

# What uuid.UUID() accepts besides the canonical form, and near misses.
OTHER_SPELLINGS = [
    "{f46f165d-383a-4432-9a3e-9c805a152e0c}",
    "urn:uuid:f46f165d-383a-4432-9a3e-9c805a152e0c",
    "URN:UUID:f46f165d-383a-4432-9a3e-9c805a152e0c",
    "f46f165d383a44329a3e9c805a152e0c",
    "f46f165d-383a4432-9a3e-9c805a152e0c",
    "f46f165d-383a-4432-9a3e-9c805a152e0c\n",
    " f46f165d-383a-4432-9a3e-9c805a152e0c",
    "f46f165d-383a-4432-9a3e-9c805a152e0",
    "f46f165d-383a-4432-9a3e-9c805a152e0cc",
    "g46f165d-383a-4432-9a3e-9c805a152e0c",
    "f46f165d-383a-4432-9a3e-9c805a152e0c/",
    "f46f165d-383a-4432-9a3e-9c805a152e0\u0663",  # an Arabic-Indic digit: \d would take it
    "",
    "not-a-uuid",
]


def test_the_canonical_spelling_is_read():
    assert parse_uuid(CANONICAL) == uuid.UUID(CANONICAL)


def test_upper_case_hex_is_read_as_the_same_id():
    # RFC 9562 section 4: read either case, write lower case.
    assert parse_uuid(CANONICAL.upper()) == uuid.UUID(CANONICAL)
    assert str(parse_uuid(CANONICAL.upper())) == CANONICAL


@pytest.mark.parametrize("spelling", OTHER_SPELLINGS)
def test_every_other_spelling_is_no_id(spelling):
    assert parse_uuid(spelling) is None


@pytest.mark.parametrize("value", [None, 42, 0xF46F165D383A44329A3E9C805A152E0C, b"x" * 16, ["a"]])
def test_values_that_are_not_strings_are_no_id(value):
    assert parse_uuid(value) is None


def test_a_uuid_is_itself():
    value = uuid.uuid4()

    assert parse_uuid(value) is value


def _field_reads(data):
    return UnquotedUUIDField().run_validation(data)


def test_the_field_reads_the_canonical_spelling_quoted_or_not():
    assert _field_reads(CANONICAL) == uuid.UUID(CANONICAL)
    assert _field_reads(f'"{CANONICAL}"') == uuid.UUID(CANONICAL)
    assert _field_reads(CANONICAL.upper()) == uuid.UUID(CANONICAL)


@pytest.mark.parametrize("spelling", OTHER_SPELLINGS[:5])
def test_the_field_refuses_every_other_spelling(spelling):
    with pytest.raises(serializers.ValidationError) as caught:
        _field_reads(spelling)

    assert "36-character" in str(caught.value.detail[0])


def test_the_field_writes_lower_case():
    assert UnquotedUUIDField().to_representation(uuid.UUID(CANONICAL.upper())) == CANONICAL
