"""The Swagger UI page at /api/docs/, under a Content-Security-Policy that lets it load and nothing more."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from csp.decorators import csp_update
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularSwaggerSplitView


def _origin(url: str) -> str | None:
    """scheme://host of an absolute URL; None for a path on our own origin (or "SIDECAR")."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else None


def swagger_ui_sources() -> dict[str, list[str]]:
    """What the page adds to the site's policy: the origin Swagger UI's files come from, if not ours."""
    urls = [spectacular_settings.SWAGGER_UI_DIST, spectacular_settings.SWAGGER_UI_FAVICON_HREF]
    origins = sorted({origin for origin in map(_origin, urls) if origin})
    # Swagger UI's stylesheet draws its icons as data: SVG images.
    return {"script-src": origins, "style-src": origins, "img-src": [*origins, "data:"]}


def swagger_ui_view() -> Callable[..., Any]:
    """The split view serves the page's start-up script from our origin (?script), so that
    script-src needs no 'unsafe-inline'; the inline view would write it into the page."""
    view = SpectacularSwaggerSplitView.as_view(url_name="schema")
    return csp_update(swagger_ui_sources())(view)
