"""URL helpers: every operation answers at both spellings of its trailing slash."""

from django.urls import re_path
from drf_spectacular.utils import extend_schema


def both_slashes(route: str, view_class, *, name: str, slash: bool) -> list:
    """`route` as the document spells it (with a trailing slash when `slash`) plus the other spelling.

    Clients copy paths both ways; neither must get a redirect or a 404. Only the
    documented spelling appears in the OpenAPI schema.
    """
    documented, other = (f"{route}/", route) if slash else (route, f"{route}/")
    return [
        re_path(f"^{documented}$", view_class.as_view(), name=name),
        re_path(f"^{other}$", undocumented(view_class).as_view()),
    ]


def undocumented(view_class):
    """The same view, left out of the OpenAPI schema (for a second spelling of its path)."""
    return extend_schema(exclude=True)(type(f"{view_class.__name__}OtherSlash", (view_class,), {}))
