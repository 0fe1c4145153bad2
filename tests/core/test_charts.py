"""Bar chart geometry: stacked bottom-up, scaled to a round top, every bar saying what it counts."""

from core.charts import PLOT_HEIGHT, TOP, ColumnInput, Series, Value, stacked_bar_chart

SERIES = [Series("sent", "sent"), Series("failed", "failed")]


def _column(label: str, **values: int) -> ColumnInput:
    return ColumnInput(
        label=label,
        sublabel="Jan",
        long_label=f"{label} January",
        href=f"/{label}",
        values={key: Value(amount, f"/{label}/{key}") for key, amount in values.items()},
    )


def test_bars_stack_bottom_up_on_a_round_scale():
    chart = stacked_bar_chart(
        chart_id="c",
        title="Deliveries",
        description="What went out",
        series=SERIES,
        columns=[_column("Mon 1", sent=6, failed=2), _column("Tue 2")],
    )

    assert chart.description == "What went out"
    assert [tick.value_text for tick in chart.ticks] == ["0", "5", "10"]  # 8 rounds up to 10
    monday, tuesday = chart.columns
    sent, failed = monday.segments
    bottom = TOP + PLOT_HEIGHT
    assert (sent.y + sent.height, sent.height) == (bottom, PLOT_HEIGHT * 0.6)
    assert failed.y + failed.height == sent.y  # on top of it
    assert failed.description == "Mon 1 January: 2 failed" and failed.value.href == "/Mon 1/failed"
    assert monday.total_text == "8" and monday.cells == [sent.value, failed.value]
    assert tuesday.segments == [] and tuesday.total_text == "" and tuesday.cells == [None, None]
    assert chart.width > monday.x + sent.width


def test_a_single_series_of_percentages_shows_its_own_text_or_a_dash():
    chart = stacked_bar_chart(
        chart_id="r",
        title="Rate",
        description="Share",
        series=[Series("rate", "rate")],
        columns=[
            ColumnInput("w1", "week", "Week 1", "/w1", {"rate": Value(33, "/w1", "33")}),
            ColumnInput("w2", "week", "Week 2", "/w2", {}),
        ],
        unit="%",
        top=100,
        missing="–",
    )

    assert [column.total_text for column in chart.columns] == ["33%", "–"]
    assert chart.columns[0].segments[0].description == "Week 1: 33% rate"
    assert [tick.value_text for tick in chart.ticks] == ["0%", "50%", "100%"]


def test_small_counts_get_no_half_way_line():
    chart = stacked_bar_chart(
        chart_id="c", title="t", description="d", series=SERIES, columns=[_column("Mon 1", sent=1)]
    )
    assert [tick.value_text for tick in chart.ticks] == ["0", "1"]
