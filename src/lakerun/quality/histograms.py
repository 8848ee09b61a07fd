"""Equal-width histograms of a profile's numeric and date columns, measured in one extra scan per table.

The profile already knows each column's min and max, so the bins are fixed before the scan: one query
per table computes every column's bin index in a subquery and counts the rows of each bin. Dates and
timestamps are binned on their epoch seconds. The result is kept on the column profile as
`[low, high, count]` triples (epoch seconds for dates), for the dashboard's charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlglot import exp

from lakerun.engines.sql import EngineError, SqlEngine
from lakerun.quality.numeric_text import is_text_as_number, typed_value
from lakerun.quality.profile import ColumnProfile, TableProfile

BINS = 20
MAX_COLUMNS = 100
"""Numeric and date columns given a histogram per table; wider tables keep the first ones."""


def epoch_seconds(text: str) -> float | None:
    """Seconds since 1970 of an ISO date or timestamp as the profile writes it (naive ones read as UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _bounds(column: ColumnProfile) -> tuple[float, float] | None:
    if column.query_error or column.general_type not in ("N", "D"):
        return None
    low: object = column.metrics.get("min_value")
    high: object = column.metrics.get("max_value")
    if column.general_type == "D":
        low, high = epoch_seconds(column.text("min_date")), epoch_seconds(column.text("max_date"))
    if not isinstance(low, int | float) or not isinstance(high, int | float) or not low < high:
        return None
    return float(low), float(high)


def _bin_index(column: ColumnProfile, low: float, high: float, bins: int) -> exp.Expression:
    """`LEAST(GREATEST(FLOOR((x - low) / width), 0), bins - 1)` for non-NULL x: values at the max fall in the
    last bin; NULLs in none (PostgreSQL's and Spark's GREATEST skip NULLs, so they are kept out first)."""
    source: exp.Expression = exp.column(column.column_name, quoted=True)
    if column.general_type == "D":
        source = exp.TimeToUnix(this=source)
    if is_text_as_number(column):
        source = typed_value(source)
    value = exp.cast(source, exp.DataType.Type.DOUBLE)
    width = exp.Literal.number(repr((high - low) / bins))
    scaled = exp.Div(
        this=exp.Paren(this=exp.Sub(this=value, expression=exp.Literal.number(repr(low)))), expression=width
    )
    floor = exp.Floor(this=scaled)
    clamped = exp.Greatest(this=floor, expressions=[exp.Literal.number(0)])
    bounded = exp.Least(this=clamped, expressions=[exp.Literal.number(bins - 1)])
    return exp.Case().when(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())), bounded)


def histogram_query(
    table: str, columns: Sequence[tuple[ColumnProfile, float, float]], bins: int = BINS
) -> exp.Select:
    """One query counting the rows of every bin of every given column (NULLs fall in no bin)."""
    inner = exp.select(
        *(
            exp.alias_(_bin_index(c, low, high, bins), f"b{i}", quoted=True)
            for i, (c, low, high) in enumerate(columns)
        )
    ).from_(exp.Table(this=exp.to_identifier(table, quoted=True)))
    counts = [
        exp.alias_(
            exp.Count(this=exp.Case().when(exp.column(f"b{i}", quoted=True).eq(k), exp.Literal.number(1))),
            f"h{i}_{k}",
            quoted=True,
        )
        for i in range(len(columns))
        for k in range(bins)
    ]
    return exp.select(*counts).from_(inner.subquery("binned"))


def add_histograms(engine: SqlEngine, profiles: Sequence[TableProfile], bins: int = BINS) -> None:
    """Measure and keep the histogram of every numeric column with a range, table by table."""
    for profile in profiles:
        columns = [(c, *b) for c in profile.columns if (b := _bounds(c))][:MAX_COLUMNS]
        if not columns or not profile.record_ct:
            continue
        try:
            row = engine.query(histogram_query(profile.table_name, columns, bins)).to_pylist()[0]
        except EngineError:
            continue  # a chart is not worth failing the profile run for; the columns keep no histogram
        for i, (column, low, high) in enumerate(columns):
            width = (high - low) / bins
            column.histogram = [
                [
                    low + k * width,
                    high if k == bins - 1 else low + (k + 1) * width,
                    int(row[f"h{i}_{k}"] or 0),
                ]
                for k in range(bins)
            ]
