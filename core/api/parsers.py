"""The API's JSON parser: DRF's, with the nesting depth checked before parsing."""

import io

from rest_framework.exceptions import ParseError

# get_encoding (DRF 3.16+, refuses non-text charsets) is newer than djangorestframework-stubs.
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]

from core.api.limits import JSONTooDeep, check_json_depth, json_depth_limit


class DepthLimitedJSONParser(JSONParser):
    """Refuse a body nested deeper than API_MAX_JSON_DEPTH with a 400, never a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = get_encoding(parser_context or {})
        try:
            check_json_depth(raw.decode(encoding, errors="replace"))
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except JSONTooDeep as exc:
            raise ParseError(f"body {exc}") from None
        except RecursionError:
            # Only if the scan and the parser ever disagree: still the client's 400.
            raise ParseError(f"body {JSONTooDeep(json_depth_limit())}") from None
