"""Pages of a list, the one way every paged API builds them (appointments, deliveries).

`pageNumber`/`pageSize` select a slice of a sorted queryset; the row id breaks
ties so that pages neither repeat nor skip rows. The matches are counted only
when the page does not already show that it holds them all.
"""

import math
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.db.models import Model, QuerySet

Row = TypeVar("Row", bound=Model)
Filters = TypeVar("Filters", bound="PageFilters")


class PageFilters(Protocol):
    """What a page needs of a list's filters (each list adds its own)."""

    @property
    def page_number(self) -> int: ...

    @property
    def page_size(self) -> int: ...

    @property
    def sort_order(self) -> str: ...


@dataclass(frozen=True)
class Page(Generic[Row, Filters]):
    items: list[Row]
    total: int
    filters: Filters

    @property
    def page_count(self) -> int:
        return math.ceil(self.total / self.filters.page_size)


def page_of(queryset: "QuerySet[Row, Any]", *, order_by: str, filters: Filters) -> Page[Row, Filters]:
    """The page `filters` asks for, sorted by the column `order_by` in `filters.sort_order`."""
    prefix = "-" if filters.sort_order == "desc" else ""
    offset = (filters.page_number - 1) * filters.page_size
    items = list(queryset.order_by(f"{prefix}{order_by}", f"{prefix}id")[offset : offset + filters.page_size])
    holds_all = offset == 0 and len(items) < filters.page_size
    total = len(items) if holds_all else queryset.count()
    return Page(items=items, total=total, filters=filters)
