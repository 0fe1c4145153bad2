"""Limits on what a request may send: body size (API_MAX_BODY_BYTES) and JSON depth (API_MAX_JSON_DEPTH).

CPython's json module parses recursively, so a body nested 10,000 levels deep raises
RecursionError instead of a ValueError. The depth is therefore measured before parsing,
by a scan that keeps no stack of its own.
"""

import re
from itertools import accumulate

from django.conf import settings

# A JSON string, escapes and all; an unterminated one runs to the end of the text, so
# the scan never restarts at each quote of a malformed body (which would be quadratic).
# In UTF-8 no byte of a multi-byte character is a quote, backslash or bracket.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class JSONTooDeep(ValueError):
    """JSON nested deeper than API_MAX_JSON_DEPTH."""

    def __init__(self, limit: int):
        super().__init__(f"nested too deeply: more than {limit} levels of arrays and objects")
        self.limit = limit


def body_limit() -> int:
    return settings.API_MAX_BODY_BYTES


def json_depth_limit() -> int:
    return settings.API_MAX_JSON_DEPTH


def json_depth_exceeds(text: str | bytes, limit: int) -> bool:
    """Whether `text` (a str, or UTF-8 bytes) nests arrays and objects more than `limit` deep."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # too few brackets to nest that deep, wherever they stand
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    # The running sum of +1 per opener and -1 per closer is the depth; all of it runs in C.
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def check_json_depth(text: str | bytes) -> None:
    """Raise JSONTooDeep if `text` nests deeper than API_MAX_JSON_DEPTH."""
    limit = json_depth_limit()
    if json_depth_exceeds(text, limit):
        raise JSONTooDeep(limit)
