"""The API's documentation pages, Swagger UI at /api/docs/ and ReDoc at /api/redoc/.

Their files come from our own static files (drf-spectacular-sidecar, SWAGGER_UI_DIST
= "SIDECAR"), so they work without internet, and each page adds to the site's
Content-Security-Policy only what its viewer needs, and no other origin.
"""

from collections.abc import Callable
from typing import Any

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# Swagger UI's stylesheet draws its icons as data: SVG images.
SWAGGER_UI_SOURCES: dict[str, list[str]] = {"img-src": ["data:"]}
# ReDoc runs its search in a Web Worker built from a blob: URL, and draws its
# section-link icons as data: SVG images.
REDOC_SOURCES: dict[str, list[str]] = {"worker-src": ["'self'", "blob:"], "img-src": ["data:"]}


def swagger_ui_view() -> Callable[..., Any]:
    """The split view serves the page's start-up script from our origin (?script), so that
    script-src needs no 'unsafe-inline'; the inline view would write it into the page."""
    view = SpectacularSwaggerSplitView.as_view(url_name="schema")
    return csp_update(SWAGGER_UI_SOURCES)(view)


def redoc_view() -> Callable[..., Any]:
    """ReDoc without settings starts itself from a <redoc> tag: the page has no inline script."""
    view = SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html")
    return csp_update(REDOC_SOURCES)(view)
