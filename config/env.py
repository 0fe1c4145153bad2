"""Typed readers for settings taken from the environment; bad values fail loudly."""

import os
from typing import overload

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0 (or true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_counts(name: str, default: dict[str, int]) -> dict[str, int]:
    """KEY=N pairs, comma-separated ("SMS=100,EMAIL=200"); N a whole number, 0 or more."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return dict(default)
    counts = {}
    for item in value.split(","):
        key, _, number = item.partition("=")
        if not key.strip() or not number.strip().isdigit():
            raise ImproperlyConfigured(f"{name} must be KEY=N pairs such as SMS=100,EMAIL=200, not {value!r}")
        counts[key.strip().upper()] = int(number)
    return counts
