"""Sampling, only when asked: a TABLESAMPLE source and the scaling of counts back to the whole table.

As in TestGen, counts are scaled by the sample ratio while distinct counts are not (they are already
representative of a random sample) and the ratio is recorded in the profile.
"""

from __future__ import annotations

from sqlglot import exp

from lakerun.engines.sql import SqlEngine
from lakerun.errors import InvalidInputError
from lakerun.quality.profile import ColumnProfile, Metric

UNSCALED_COUNTS = {"distinct_value_ct", "distinct_std_value_ct", "distinct_pattern_ct", "date_days_present",
                   "date_weeks_present", "date_months_present", "top_freq_ct", "class_distinct_ct"}  # fmt: skip


SEED = 20240601
"""Fixed seed so every query of one profile sees the same sample (REPEATABLE)."""


class SampleScaler:
    """Scales counts measured on a sample to the whole table."""

    def __init__(self, total_rows: int, sampled_rows: int | None = None) -> None:
        self.total_rows = total_rows
        sampled = total_rows if sampled_rows is None else sampled_rows
        self.ratio = sampled / total_rows if total_rows and sampled else 1.0

    def scale_count(self, count: int) -> int:
        """A count measured on the sample, scaled to the whole table."""
        return count if self.ratio == 1.0 else round(count / self.ratio)

    def scale(self, metrics: dict[str, Metric]) -> None:
        """Scale every `*_ct` metric except distinct counts, in place."""
        if self.ratio == 1.0:
            return
        for name, value in metrics.items():
            if name.endswith("_ct") and name not in UNSCALED_COUNTS and isinstance(value, int | float):
                metrics[name] = self.scale_count(int(value))

    def scale_column(self, column: ColumnProfile) -> None:
        """Scale a column's counts and its top value / pattern frequencies."""
        self.scale(column.metrics)
        if self.ratio != 1.0:
            column.top_values = [(v, self.scale_count(n)) for v, n in column.top_values]
            column.top_patterns = [(p, self.scale_count(n)) for p, n in column.top_patterns]


def _count(engine: SqlEngine, source: exp.Expression) -> int:
    """COUNT(*) of a source."""
    table = engine.query(exp.select(exp.Count(this=exp.Star())).from_(source.copy()))
    return int(table.column(0)[0].as_py() or 0)


def sampled_source(
    engine: SqlEngine, table: exp.Table, percent: float | None
) -> tuple[exp.Expression, SampleScaler]:
    """The source to profile and its scaler: the table itself, or a Bernoulli sample of it."""
    if percent is None or percent >= 100:
        return table, SampleScaler(1, 1)
    if not 0 < percent < 100:
        raise InvalidInputError(f"sample percent must be between 0 and 100, got {percent}")
    total = _count(engine, table)
    sample = exp.TableSample(
        method="BERNOULLI", percent=exp.Literal.number(percent), seed=exp.Literal.number(SEED)
    )
    sampled_table = table.copy()
    sampled_table.set("sample", sample)
    source = exp.select("*").from_(sampled_table).subquery("sampled")
    return source, SampleScaler(total, _count(engine, source))
