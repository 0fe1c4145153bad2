"""Checks on free-form JSON that the database would otherwise refuse with an error."""

import re
from typing import Any

from rest_framework import serializers

# PostgreSQL's jsonb stores neither NUL characters nor unpaired UTF-16 surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_json(value: Any) -> None:
    """Refuse objects whose keys or strings, at any depth, hold characters jsonb cannot store."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and _UNSTORABLE.search(item):
            raise serializers.ValidationError("must not contain NUL characters or unpaired surrogates")
