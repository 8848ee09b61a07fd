"""The shape of numeric columns once their quartiles are known: outliers beyond robust fences, and skew.

Values beyond Tukey's far-out fences (p25 - 3 IQR, p75 + 3 IQR; quartiles are robust to up to a
quarter of the values being wrong) are counted exactly, in one query over the columns whose minimum or
maximum crosses a fence (any other column has none, so it costs nothing). The moment skewness
E[((x - mean) / sd)^3] is computed around the mean already measured, so large magnitudes cannot cancel
out as a one-pass formula would: inside the quantile sample where the engine samples quantiles, else
in the same outlier query.
"""

from __future__ import annotations

from sqlglot import exp

from lakerun.engines.sql import EngineError, SqlEngine
from lakerun.quality.profile import ColumnProfile

FENCE_IQR = 3.0
"""Tukey's far-out fence: this many interquartile ranges beyond the quartiles."""


def fences(column: ColumnProfile) -> tuple[float, float] | None:
    """The low and high outlier fences, or None when the quartiles are missing or equal (no spread)."""
    low, high = column.metrics.get("percentile_25"), column.metrics.get("percentile_75")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or high <= low:
        return None
    spread = FENCE_IQR * (high - low)
    return float(low) - spread, float(high) + spread


def _moments(column: ColumnProfile) -> tuple[float, float] | None:
    mean, sd = column.metrics.get("avg_value"), column.metrics.get("stdev_value")
    if not isinstance(mean, int | float) or not isinstance(sd, int | float) or sd <= 0:
        return None
    return float(mean), float(sd)


def skewness(column: ColumnProfile) -> exp.Expr | None:
    """AVG(((x - mean) / sd)^3) for a numeric column with a spread, else None."""
    moments = _moments(column)
    if moments is None:
        return None
    value = exp.cast(exp.column(column.column_name, quoted=True), "double")
    centred = exp.Sub(this=value, expression=exp.Literal.number(moments[0]))
    scaled = exp.Div(this=exp.Paren(this=centred), expression=exp.Literal.number(moments[1]))
    return exp.Avg(this=exp.Pow(this=exp.Paren(this=scaled), expression=exp.Literal.number(3)))


def _crosses(column: ColumnProfile, bounds: tuple[float, float]) -> bool:
    return column.number("min_value") < bounds[0] or column.number("max_value") > bounds[1]


def _selects(index: int, column: ColumnProfile, with_skew: bool) -> list[exp.Expr]:
    value = exp.cast(exp.column(column.column_name, quoted=True), "double")
    selects: list[exp.Expr] = []
    bounds = fences(column)
    if bounds is not None and not _crosses(column, bounds):
        column.metrics["outlier_low_ct"] = column.metrics["outlier_high_ct"] = 0
    elif bounds is not None:
        below = exp.LT(this=value.copy(), expression=exp.Literal.number(bounds[0]))
        above = exp.GT(this=value.copy(), expression=exp.Literal.number(bounds[1]))
        selects += [
            exp.alias_(exp.CountIf(this=below), f"c{index}__outlier_low_ct"),
            exp.alias_(exp.CountIf(this=above), f"c{index}__outlier_high_ct"),
        ]
    skew = skewness(column) if with_skew else None
    if skew is not None:
        selects.append(exp.alias_(skew, f"c{index}__skewness"))
    return selects


def measure_shape(
    engine: SqlEngine, source: exp.Expression, columns: list[ColumnProfile], with_skew: bool = True
) -> None:
    """Outlier counts (and skewness when `with_skew`) of the numeric columns, stored in their metrics."""
    chosen = [c for c in columns if c.general_type == "N" and not c.query_error]
    selects = [s for index, column in enumerate(chosen) for s in _selects(index, column, with_skew)]
    if not selects:
        return
    try:
        row = engine.query(exp.select(*selects).from_(source.copy())).to_pylist()[0]
    except EngineError as error:
        for column in chosen:
            column.metrics["shape_error"] = str(error).splitlines()[0]
        return
    for alias, value in row.items():
        index, name = alias.split("__", 1)
        column = chosen[int(index[1:])]
        if value is not None:
            column.metrics[name] = round(float(value), 6) if name == "skewness" else int(value)
    for column in chosen:
        bounds = fences(column)
        if bounds is not None:
            column.metrics["outlier_fence_low"], column.metrics["outlier_fence_high"] = bounds
