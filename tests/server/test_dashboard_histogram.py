"""The column page's histogram geometry: bar heights on a zero-based count axis, edges as numbers or dates."""

from __future__ import annotations

import datetime as dt

from lakerun.server.dashboard.charts import histogram_chart


def test_bars_scale_to_the_tallest_bin_and_numbers_keep_four_digits() -> None:
    chart = histogram_chart([[0.0, 0.5, 2], [0.5, 1.0, 8], [1.0, 1.5, 0]], height=100, pad=10)
    assert chart is not None and chart.peak == 8
    assert [bar.height for bar in chart.bars] == [20.0, 80.0, 0.0]
    assert [bar.y + bar.height for bar in chart.bars] == [90.0, 90.0, 90.0]
    assert (chart.low, chart.high, chart.bars[1].label) == ("0", "1.5", "0.5 to 1")
    assert histogram_chart([]) is None


def test_date_edges_are_written_as_utc_dates_or_times() -> None:
    day = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()
    chart = histogram_chart([[day, day + 43_200, 3], [day + 43_200, day + 86_400, 1]], dates=True)
    assert chart is not None and (chart.low, chart.high) == ("2024-01-01", "2024-01-02")
    assert chart.bars[0].label == "2024-01-01 to 2024-01-01 12:00"
