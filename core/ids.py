"""Identifiers as the API reads them: one spelling of a UUID, the 36-character hyphenated one.

uuid.UUID() also reads braces, "urn:uuid:" and 32 bare hex digits, so one row would answer
to many ids and logs, caches and comparisons of raw ids would disagree. RFC 9562 section 4
lets readers take either case of hex and has writers use lower case: so do we.
"""

import re
import uuid

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_uuid(value: object) -> uuid.UUID | None:
    """The UUID `value` spells canonically (either case), or None for anything else."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return uuid.UUID(value)
    return None
