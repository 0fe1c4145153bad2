"""The console writes dates in its user's time zone, which their browser reports.

core/static/console/console.js puts the browser's IANA zone ("Europe/Athens") in the
ZONE_COOKIE cookie; on the admin's pages the middleware activates it, so Django's own
date rendering (change lists, read-only fields, the date hierarchy) follows it, and
templates/admin/base_site.html names it. The API is untouched: its dates stay UTC.
"""

import zoneinfo
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

ZONE_COOKIE = "console_tz"


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_named(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called `name` if this server knows it; None for anything else a cookie may hold."""
    # Looked up in the list first: ZoneInfo() itself would read any path-like key from disk.
    if not name or name not in _known_zones():
        return None
    return zoneinfo.ZoneInfo(name)


def _in_admin(request: HttpRequest) -> bool:
    try:
        return request.path.startswith(reverse("admin:index"))
    except NoReverseMatch:
        return False  # A URLconf without the admin (some tests route only their probes).


class ConsoleTimeZoneMiddleware:
    """Activate the browser's zone for the admin's pages, and only for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        if _in_admin(request):
            # The script URL-encodes the name's "/" (Europe%2FAthens).
            zone = zone_named(unquote(request.COOKIES.get(ZONE_COOKIE, "")))
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            # The zone belongs to this request: the thread serves others next.
            timezone.deactivate()
