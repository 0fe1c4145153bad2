"""Bar charts drawn on the server: the geometry of an SVG that templates/admin/console/bar_chart.html writes.

Charts are pictures a supervisor reads without JavaScript. Every bar carries its value
as text (a <title> and an aria-label) and a link to the rows it counts; the numbers are
also written in a table under the picture. This module only places the bars: what they
count and where they link is the caller's.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

PLOT_HEIGHT = 150
TOP = 18  # room for a column's total above its bar
AXIS_WIDTH = 40  # the value scale on the left
LABEL_HEIGHT = 34  # a column's label, on two lines
BAR_WIDTH = 34
GAP = 14


@dataclass(frozen=True)
class Series:
    """One kind of value stacked in the bars (a state, a status); `key` names its CSS class."""

    key: str
    label: str


@dataclass(frozen=True)
class Value:
    amount: float
    href: str
    text: str = ""  # how the amount is written; the amount itself when empty

    @property
    def shown(self) -> str:
        return self.text or f"{self.amount:g}"


@dataclass(frozen=True)
class ColumnInput:
    label: str  # short, under the bar: "Mon 3"
    sublabel: str  # its second line: "Feb"
    long_label: str  # for the ear: "Monday 3 February 2030"
    href: str  # the rows of the whole column
    values: dict[str, Value]  # by series key; a missing series is zero (or, alone, "no value")


@dataclass(frozen=True)
class Segment:
    series: Series
    value: Value
    x: float
    y: float
    width: float
    height: float
    description: str


@dataclass(frozen=True)
class Column:
    source: ColumnInput
    x: float
    center: float
    total_text: str
    total_y: float
    segments: list[Segment]
    cells: list[Value | None]  # the column's value of each series, in the chart's order, for its table


@dataclass(frozen=True)
class Tick:
    value_text: str
    y: float


@dataclass
class BarChart:
    chart_id: str
    title: str
    description: str
    series: list[Series]
    columns: list[Column]
    ticks: list[Tick]
    width: float
    height: float
    plot_bottom: float
    unit: str = ""
    period: str = "Day"  # what a column is, heading the table's first column
    missing: str = "0"  # what the table shows for a series a column lacks
    empty: bool = False


def _scale_top(largest: float) -> float:
    """A round number at or above `largest` for the top of the scale (1, 2, 5 × 10ⁿ)."""
    if largest <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 5, 10):
        if step * magnitude >= largest:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _total_text(column: ColumnInput, total: float, series: Sequence[Series], unit: str) -> str:
    """What is written above a bar: the sum, a single series' own text, or a dash with no value."""
    if len(series) == 1:
        if not column.values:
            return "–"
        return f"{column.values[series[0].key].shown}{unit}"
    return f"{total:g}{unit}" if total else ""


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    columns: Sequence[ColumnInput],
    unit: str = "",
    top: float | None = None,
    period: str = "Day",
    missing: str = "0",
) -> BarChart:
    """Lay out one bar per column, its series stacked bottom-up in the order of `series`.

    `top` fixes the scale (100 for percentages); by default it is the largest total, rounded up.
    """
    totals = [
        sum(column.values[s.key].amount for s in series if s.key in column.values) for column in columns
    ]
    scale_top = top if top is not None else _scale_top(max(totals, default=0))
    plot_bottom = TOP + PLOT_HEIGHT
    laid_out = []
    for index, (column, total) in enumerate(zip(columns, totals, strict=True)):
        x = AXIS_WIDTH + GAP / 2 + index * (BAR_WIDTH + GAP)
        y: float = plot_bottom
        segments = []
        for one in series:
            value = column.values.get(one.key)
            if value is None or value.amount <= 0:
                continue
            height = PLOT_HEIGHT * value.amount / scale_top
            y -= height
            said = f"{column.long_label}: {value.shown}{unit} {one.label}"
            segments.append(Segment(one, value, x, y, BAR_WIDTH, height, said))
        laid_out.append(
            Column(
                column,
                x,
                x + BAR_WIDTH / 2,
                _total_text(column, total, series, unit),
                y - 4,
                segments,
                [column.values.get(s.key) for s in series],
            )
        )
    # A half-way line only where it falls on a whole number: no "2.5 appointments".
    shares = (0, 0.5, 1) if float(scale_top / 2).is_integer() else (0, 1)
    ticks = [Tick(f"{scale_top * share:g}{unit}", plot_bottom - PLOT_HEIGHT * share) for share in shares]
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        series=list(series),
        columns=laid_out,
        ticks=ticks,
        width=AXIS_WIDTH + len(columns) * (BAR_WIDTH + GAP) + GAP / 2,
        height=plot_bottom + LABEL_HEIGHT,
        plot_bottom=plot_bottom,
        unit=unit,
        period=period,
        missing=missing,
        empty=not any(totals),
    )
