"""Duplicate whole rows, counted as cheaply as the data allows.

If a key-like column (no nulls, distinct count close to the row count) is exactly unique, no row can
repeat: one narrow COUNT(DISTINCT) proves it. Otherwise the rows are compared whole, by a 64-bit row
hash where the engine has one, else by SELECT DISTINCT *.
"""

from __future__ import annotations

import re

import pyarrow as pa
from sqlglot import exp

from lakerun.engines.sql import Capabilities, SqlEngine
from lakerun.quality.frequencies import distinct_rows_query
from lakerun.quality.profile import ColumnProfile

KEY_LIKE_RATIO = 0.9
"""A column whose distinct count reaches this share of rows is checked as a possible key."""
_KEY_NAME = re.compile(r"(^|_)(id|key|uuid|guid)$")


def scalar(engine: SqlEngine, query: exp.Expression) -> int:
    """The single integer a query returns (0 for no row or NULL)."""
    table: pa.Table = engine.query(query)
    value = table.column(0)[0].as_py() if table.num_rows else 0
    return int(value or 0)


def duplicate_rows(
    engine: SqlEngine,
    source: exp.Expression,
    columns: list[ColumnProfile],
    caps: Capabilities,
    record_ct: int,
) -> int:
    """How many rows repeat another row entirely."""
    if has_unique_column(engine, source, columns, record_ct):
        return 0
    names = [c.column_name for c in columns]
    return record_ct - scalar(engine, distinct_rows_query(source, names, caps.row_hash))


def has_unique_column(
    engine: SqlEngine, source: exp.Expression, columns: list[ColumnProfile], record_ct: int
) -> bool:
    """Whether the most key-like column (named like a key first, then most distinct) is exactly unique."""
    candidates = [
        c
        for c in columns
        if c.general_type in "AND" and c.number("value_ct") == record_ct and not c.query_error
    ]
    if not candidates:
        return False
    if any(
        c.metrics.get("distinct_is_exact") and c.number("distinct_value_ct") == record_ct for c in candidates
    ):
        return True  # a column already counted exactly unique proves it without another scan
    best = max(
        candidates,
        key=lambda c: (_KEY_NAME.search(c.column_name.lower()) is not None, c.number("distinct_value_ct")),
    )
    if best.number("distinct_value_ct") < KEY_LIKE_RATIO * record_ct:
        return False
    if best.metrics.get("distinct_is_exact"):
        return best.number("distinct_value_ct") == record_ct
    exact = exp.Count(this=exp.Distinct(expressions=[exp.column(best.column_name, quoted=True)]))
    return scalar(engine, exp.select(exact).from_(source.copy())) == record_ct
