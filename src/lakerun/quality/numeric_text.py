"""Text columns that hold numbers and placeholder words (a CSV written with `NA` for missing values) are
profiled as numbers: the placeholders count as missing, the numbers get min, max, quantiles and outliers.

Readers keep `NA`/`null` as text (every door reads a file the same way); the judgement that such a column
is numeric belongs to the profiler. A column qualifies when every value is a plain number (sign, digits,
decimals, exponent; no leading zero, which marks a code), an empty string or one of the placeholder words
of `textrules.PLACEHOLDER`, with at least one placeholder and one number.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from lakerun.quality.anomaly_type import TEXT_AS_NUMBER as MARKER
from lakerun.quality.metrics import bind
from lakerun.quality.profile import ColumnProfile
from lakerun.quality.textrules import PLACEHOLDER

PLAIN_NUMBER = "^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([e][-+]?[0-9]+)?$"
"""A number every engine casts to DOUBLE (matched on the trimmed, lower-cased value)."""
LEADING_ZERO = "^[-+]?0[0-9]"
"""`007`, `01234`: a code written with digits, kept as text."""

_VALUE = "LOWER(TRIM(__c__))"
_IS_NUMBER = f"REGEXP_MATCHES({_VALUE}, '{PLAIN_NUMBER}')"
_IS_PLACEHOLDER = (
    f"REGEXP_MATCHES(REPLACE(REPLACE(REPLACE(REPLACE({_VALUE}, '(', ''), ')', ''), '[', ''), ']', ''),"
    f" '{PLACEHOLDER.replace(chr(39), chr(39) * 2)}')"
)
CHECKS = {
    "number_ct": f"COUNT_IF({_IS_NUMBER})",
    "leading_zero_ct": f"COUNT_IF(REGEXP_MATCHES({_VALUE}, '{LEADING_ZERO}'))",
    "blank_ct": f"COUNT_IF(NOT {_IS_NUMBER} AND ({_IS_PLACEHOLDER} OR __c__ = ''))",
    "other_ct": f"COUNT_IF(NOT {_IS_NUMBER} AND NOT {_IS_PLACEHOLDER} AND __c__ <> '')",
}
"""Aggregates confirming a candidate: it qualifies when it holds numbers and placeholders or empty strings
that are not numbers (`99` and `000` match the placeholder rule too), and no leading zero or other text."""
TYPED = f"CASE WHEN {_IS_NUMBER} THEN CAST(TRIM(__c__) AS DOUBLE) END"
"""The column's value as a number; NULL for placeholders and empty strings."""


def is_candidate(column: ColumnProfile) -> bool:
    """Whether the text metrics say the column may hold only numbers, placeholders and empty strings (the
    confirmation query decides; a sampled column's counts are scaled, so they are only required to come
    close)."""
    if column.general_type != "A" or column.query_error:
        return False
    values = column.number("value_ct")
    numbers, placeholders = column.number("numeric_ct"), column.number("filled_value_ct")
    if values <= 0 or numbers <= 0 or placeholders <= 0:
        return False
    needed = 0.99 * values if "text_sample_ratio" in column.metrics else values
    return numbers + placeholders + column.number("zero_length_ct") >= needed


def check_selects(columns: list[ColumnProfile]) -> list[exp.Expr]:
    """The confirmation aggregates of every candidate, aliased `k<index>__<name>`."""
    return [
        exp.alias_(bind(template, exp.column(c.column_name, quoted=True)), f"k{index}__{name}", quoted=True)
        for index, c in enumerate(columns)
        for name, template in CHECKS.items()
    ]


def confirmed(columns: list[ColumnProfile], row: dict[str, Any]) -> list[ColumnProfile]:
    """The candidates the confirmation row accepts."""

    def count(index: int, name: str) -> int:
        value = row.get(f"k{index}__{name}")
        return int(value) if value is not None else 0

    return [
        c
        for index, c in enumerate(columns)
        if count(index, "number_ct") > 0
        and count(index, "blank_ct") > 0
        and not count(index, "leading_zero_ct")
        and not count(index, "other_ct")
    ]


def typed_value(column: exp.Expression) -> exp.Expression:
    """The numeric value of a text-as-number column (NULL for its placeholders), in any dialect."""
    return bind(TYPED, column)


def typed_source(source: exp.Expression, columns: list[ColumnProfile], typed: set[str]) -> exp.Expression:
    """The source with the `typed` columns replaced by their numeric values, as a subquery of `columns`."""
    selects = [
        exp.alias_(typed_value(exp.column(c.column_name, quoted=True)), c.column_name, quoted=True)
        if c.column_name in typed
        else exp.column(c.column_name, quoted=True)
        for c in columns
    ]
    return exp.select(*selects).from_(source.copy()).subquery("typed")


def adopt(text: ColumnProfile, number: ColumnProfile) -> None:
    """Make the text column numeric: the number profile's metrics, with the placeholder and empty-string
    counts of the text kept as evidence (they are already among the missing values)."""
    evidence = {
        "filled_value_ct": text.number("filled_value_ct"),
        "zero_length_ct": text.number("zero_length_ct"),
        "text_value_ct": text.number("value_ct"),
        MARKER: 1,
    }
    text.general_type = "N"
    text.metrics = {**number.metrics, **{k: int(v) for k, v in evidence.items()}}
    text.top_values = []
    text.top_patterns = []


def is_text_as_number(column: ColumnProfile) -> bool:
    """Whether the column is text profiled as numeric."""
    return bool(column.metrics.get(MARKER))
