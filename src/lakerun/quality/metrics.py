"""Per-column aggregate metrics as data: one canonical SQL template per metric, rendered per dialect.

Templates are written once in DuckDB's dialect with `__c__` standing for the column; sqlglot parses
them once and every engine renders them in its own dialect. Engine differences (approximate distinct,
quantile functions) come from the adapter's declared `Capabilities`, never from its name.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import sqlglot
from sqlglot import exp

from lakerun.engines.sql import Capabilities
from lakerun.quality.profile import GeneralType
from lakerun.quality.textrules import (
    DATE_LIKE,
    DAY_FIRST_DATE,
    DELIMITERS,
    ISO_DATE,
    MONTH_FIRST_DATE,
    NON_PRINTING_CHARS,
    NUMBER_WITH_UNIT,
    NUMERIC,
    PLACEHOLDER,
    PLACEHOLDER_SYMBOL_STARTS,
    PLACEHOLDER_WORD_MAX_LENGTH,
    PLACEHOLDER_WORD_STARTS,
    STANDARD_PATTERNS,
    STANDARDIZE_REMOVE,
)

PLACEHOLDER_COLUMN = "__c__"
QUANTILES = (0.25, 0.5, 0.75, 0.95)
QUANTILE_NAMES = ("percentile_25", "percentile_50", "percentile_75", "percentile_95")


def _quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _regex_count(value_sql: str, pattern: str, guard: str = "") -> str:
    """COUNT_IF of a regex match behind a cheap guard: CASE evaluates the regex only where the guard holds."""
    match = f"REGEXP_MATCHES({value_sql}, {_quote(pattern)})"
    return f"COUNT_IF(CASE WHEN {guard} THEN {match} ELSE FALSE END)" if guard else f"COUNT_IF({match})"


def _codes(characters: str) -> str:
    """A SQL list of the characters' code points, for `ASCII(x) IN (...)`: a first-character test far cheaper
    than LEFT(x, 1) in DuckDB."""
    return ", ".join(str(ord(c)) for c in characters)


def _length_between(low: int, high: int) -> str:
    return f"__len__ BETWEEN {low} AND {high}"


LOWER_TRIM = "__lt__"
"""Placeholder for LOWER(TRIM(value)), projected once per row where the engine allows."""
LENGTH = "__len__"
"""Placeholder for LENGTH(value)."""
UPPER = "__up__"
"""Placeholder for UPPER(value)."""
LOWER = "__lo__"
"""Placeholder for LOWER(value)."""
_HAS_DIGIT = "REGEXP_MATCHES(__c__, '[0-9]')"
_NO_LETTERS = "__up__ = __lo__"

TEXT_METRICS: dict[str, str] = {
    "min_length": "MIN(__len__)",
    "max_length": "MAX(__len__)",
    "avg_length": "AVG(CASE WHEN __len__ > 0 THEN __len__ END)",
    "zero_length_ct": "COUNT_IF(__c__ = '')",
    "lead_space_ct": "COUNT_IF(__c__ LIKE ' %')",
    "quoted_value_ct": "COUNT_IF(__c__ LIKE '\"%\"' OR __c__ LIKE '''%''')",
    "includes_digit_ct": f"COUNT_IF({_HAS_DIGIT})",
    "filled_value_ct": _regex_count(
        "REPLACE(REPLACE(REPLACE(REPLACE(__lt__, '(', ''), ')', ''), '[', ''), ']', '')",
        PLACEHOLDER,
        f"ASCII(__lt__) IN ({_codes(PLACEHOLDER_SYMBOL_STARTS)}) OR (ASCII(__lt__) IN"
        f" ({_codes(PLACEHOLDER_WORD_STARTS)}) AND LENGTH(__lt__) <= {PLACEHOLDER_WORD_MAX_LENGTH})",
    ),
    "zero_value_ct": _regex_count(
        "__lt__", "^[-+]?(0+([.]0*)?|[.]0+)$", "__len__ <= 24 AND __c__ LIKE '%0%'"
    ),
    "min_text": "LEFT(MIN(NULLIF(__c__, '')), 100)",
    "max_text": "LEFT(MAX(__c__), 100)",
    "upper_case_ct": "COUNT_IF(__up__ = __c__ AND __lo__ <> __c__)",
    "lower_case_ct": "COUNT_IF(__lo__ = __c__ AND __up__ <> __c__)",
    "non_alpha_ct": "COUNT_IF(__up__ = __lo__)",
    "non_printing_ct": f"COUNT_IF(REGEXP_MATCHES(__c__, {_quote('[' + NON_PRINTING_CHARS + ']')}))",
    "numeric_ct": _regex_count("__lt__", NUMERIC, f"__len__ <= 40 AND {_NO_LETTERS}"),
    "date_ct": _regex_count(
        "__lt__",
        DATE_LIKE,
        f"{_length_between(6, 40)} AND ({_NO_LETTERS} OR __c__ LIKE '% %' OR __lo__ LIKE '%-%t%'"
        " OR __lo__ LIKE '%/%t%')",
    ),
    "decimal_text_ct": _regex_count("__lt__", "^[-+]?[$]?[0-9,]*[.][0-9]*[1-9]", "__c__ LIKE '%.%'"),
    "number_unit_ct": _regex_count("__lt__", NUMBER_WITH_UNIT, _length_between(2, 24)),
    "embedded_space_ct": "COUNT_IF(__lt__ LIKE '% %')",
    "avg_embedded_spaces": "AVG(CASE WHEN __lt__ LIKE '% %' THEN LENGTH(__lt__) - LENGTH(REPLACE(__lt__, ' ', '')) END)",
    "pattern_DELIMITED_DATA_ct": (
        f"COUNT_IF(CASE WHEN {' OR '.join(f'__c__ LIKE {_quote(chr(37) + d + chr(37))}' for d in DELIMITERS)} THEN"
        f" __len__ - LENGTH(REGEXP_REPLACE(__c__, {_quote('[' + DELIMITERS + ']')}, '', 'g')) >= 3"
        " AND __c__ NOT LIKE '%, %' ELSE FALSE END)"
    ),
}

_ISO_DAY = "REPLACE(SUBSTR(__lt__, 1, 10), '/', '-')"
_SLASHED_DAY = (
    "SUBSTR(__lt__, 7, 4) || '-' || CASE WHEN SUBSTR(__lt__, 1, 2) > '12'"
    " THEN SUBSTR(__lt__, 4, 2) || '-' || SUBSTR(__lt__, 1, 2)"
    " ELSE SUBSTR(__lt__, 1, 2) || '-' || SUBSTR(__lt__, 4, 2) END"
)
_DAY_FIRST_ONLY = "SUBSTR(__lt__, 7, 4) || '-' || SUBSTR(__lt__, 4, 2) || '-' || SUBSTR(__lt__, 1, 2)"
_ISO_CASE = (
    f"WHEN (__c__ LIKE '____-__-__%' OR __c__ LIKE '____/__/__%') AND REGEXP_MATCHES(__lt__, {_quote(ISO_DATE)})"
    f" THEN {_ISO_DAY}"
)
_SLASHED_DATE = (
    f"__c__ LIKE '__/__/____%' AND (REGEXP_MATCHES(__lt__, {_quote(DAY_FIRST_DATE)})"
    f" OR REGEXP_MATCHES(__lt__, {_quote(MONTH_FIRST_DATE)}))"
)
DATE_TEXT_DAY = f"CASE {_ISO_CASE} WHEN {_SLASHED_DATE} THEN {_SLASHED_DAY} END"
"""A date written as text (ISO-8601, yyyy/mm/dd, dd/mm/yyyy, mm/dd/yyyy with two-digit parts) as `yyyy-mm-dd`
text, so the earliest and latest dates of a text column need no engine-specific parsing."""
DAY_FIRST_TEXT_DAY = f"CASE {_ISO_CASE} WHEN {_SLASHED_DATE} THEN {_DAY_FIRST_ONLY} END"
"""The same with every `nn/nn/yyyy` read as `dd/mm/yyyy`, for a column that writes its days first."""
_DAY_FIRST_COLUMN = (
    f"COUNT_IF(__c__ LIKE '__/__/____%' AND REGEXP_MATCHES(__lt__, {_quote(DAY_FIRST_DATE)})) > 0"
    f" AND COUNT_IF(__c__ LIKE '__/__/____%' AND REGEXP_MATCHES(__lt__, {_quote(MONTH_FIRST_DATE)})"
    " AND SUBSTR(__lt__, 4, 2) > '12') = 0"
)
"""A column whose slashed dates put a day (13-31) first somewhere and never a day second: `01/03/2024` in
it is the 1st of March, as in its `25/03/2024`, not the 3rd of January."""
TEXT_METRICS["text_min_date"] = (
    f"CASE WHEN {_DAY_FIRST_COLUMN} THEN MIN({DAY_FIRST_TEXT_DAY}) ELSE MIN({DATE_TEXT_DAY}) END"
)
TEXT_METRICS["text_max_date"] = (
    f"CASE WHEN {_DAY_FIRST_COLUMN} THEN MAX({DAY_FIRST_TEXT_DAY}) ELSE MAX({DATE_TEXT_DAY}) END"
)

_PATTERN_GUARDS = {
    "STREET_ADDR": "__c__ LIKE '% % %'",
    "STATE_USA": _length_between(2, 4),
    "PHONE_USA": f"{_length_between(10, 20)} AND {_NO_LETTERS}",
    "EMAIL": "__c__ LIKE '%@%'",
    "ZIP_USA": f"{_length_between(5, 12)} AND {_NO_LETTERS}",
    "FILE_NAME": "__c__ LIKE '%.%'",
    "CREDIT_CARD": f"{_length_between(13, 24)} AND {_NO_LETTERS}",
    "SSN": f"{_length_between(11, 13)} AND {_NO_LETTERS}",
}
for _name, (_regex, _) in STANDARD_PATTERNS.items():
    TEXT_METRICS[f"pattern_{_name}_ct"] = _regex_count("__lt__", _regex, _PATTERN_GUARDS[_name])

SENTINELS = tuple(10**k - 1 for k in range(3, 10))
"""999 ... 999,999,999: numbers typed in for "unknown". The IN test sits behind a magnitude check (two plain
comparisons, cheaper than ABS on every row), which is 5x cheaper on doubles (DuckDB casts every value to each
list member otherwise)."""

NUMBER_METRICS: dict[str, str] = {
    "min_value": "MIN(__c__)",
    "min_value_over_0": "MIN(CASE WHEN __c__ > 0 THEN __c__ END)",
    "max_value": "MAX(__c__)",
    "avg_value": "AVG(CAST(__c__ AS DOUBLE))",
    "stdev_value": "STDDEV_SAMP(CAST(__c__ AS DOUBLE))",
    "zero_value_ct": "COUNT_IF(__c__ = 0)",
    "negative_value_ct": "COUNT_IF(__c__ < 0)",
    "sentinel_value_ct": (
        f"COUNT_IF(CASE WHEN __c__ >= {SENTINELS[0]} OR __c__ <= -{SENTINELS[0]}"
        f" THEN ABS(__c__) IN ({', '.join(map(str, SENTINELS))}) ELSE FALSE END)"
    ),
    "fractional_sum": "SUM(ABS(CAST(__c__ AS DOUBLE)) - FLOOR(ABS(CAST(__c__ AS DOUBLE))))",
}

BOOLEAN_METRICS: dict[str, str] = {
    "boolean_true_ct": "COUNT_IF(__c__ = TRUE)",
    "boolean_false_ct": "COUNT_IF(__c__ = FALSE)",
}

DATE_BUCKETS: dict[str, tuple[str, int]] = {
    "before_1yr_date_ct": ("<", -12),
    "before_5yr_date_ct": ("<", -60),
    "before_20yr_date_ct": ("<", -240),
    "before_100yr_date_ct": ("<", -1200),
    "distant_future_date_ct": (">", 240),
}
"""Date bucket counts: comparison with the run date shifted by a number of months."""


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months (clamped to the month's last day, year floored at 1)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = max(index // 12, 1), index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot move {day} by {months} months")


def date_metrics(run_date: dt.date) -> dict[str, str]:
    """Date templates with the run date's buckets written in as literals (portable comparisons)."""
    as_date = "CAST(__c__ AS DATE)"

    def literal(day: dt.date) -> str:
        return f"CAST('{day.isoformat()}' AS DATE)"

    metrics = {"min_date": "MIN(__c__)", "max_date": "MAX(__c__)"}
    for name, (operator, months) in DATE_BUCKETS.items():
        metrics[name] = f"COUNT_IF({as_date} {operator} {literal(add_months(run_date, months))})"
    today = literal(run_date)
    metrics["within_1yr_date_ct"] = (
        f"COUNT_IF({as_date} BETWEEN {literal(run_date - dt.timedelta(days=365))} AND {today})"
    )
    metrics["within_1mo_date_ct"] = (
        f"COUNT_IF({as_date} BETWEEN {literal(run_date - dt.timedelta(days=30))} AND {today})"
    )
    metrics["future_date_ct"] = f"COUNT_IF({as_date} > {today})"
    metrics["date_days_present"] = f"COUNT(DISTINCT {as_date})"
    metrics["date_weeks_present"] = "COUNT(DISTINCT DATE_TRUNC('week', __c__))"
    metrics["date_months_present"] = "COUNT(DISTINCT DATE_TRUNC('month', __c__))"
    return metrics


@lru_cache(maxsize=512)
def _parsed(template: str) -> exp.Expr:
    """Parse a canonical template once."""
    return sqlglot.parse_one(template, read="duckdb")


def derived_values(column: exp.Expression) -> dict[str, exp.Expression]:
    """The per-row helpers templates may use besides the column: lower/upper case, trimmed, length."""
    return {
        LOWER_TRIM: exp.Lower(this=exp.Trim(this=column.copy())),
        UPPER: exp.Upper(this=column.copy()),
        LOWER: exp.Lower(this=column.copy()),
        LENGTH: exp.Length(this=column.copy()),
    }


def bind(
    template: str, column: exp.Expression, derived: dict[str, exp.Expression] | None = None
) -> exp.Expression:
    """The template with `__c__` replaced by `column` and helpers by `derived` (default: computed inline)."""
    replacements = {PLACEHOLDER_COLUMN: column, **(derived or derived_values(column))}

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in replacements:
            return replacements[node.name].copy()
        return node

    bound = _parsed(template).copy().transform(substitute)
    assert isinstance(bound, exp.Expression)
    return bound


def distinct_count(value: exp.Expression, caps: Capabilities, exact: bool) -> exp.Expression:
    """Exact COUNT(DISTINCT) or the engine's approximate distinct count."""
    if exact or not caps.approx_distinct:
        return exp.Count(this=exp.Distinct(expressions=[value]))
    return exp.ApproxDistinct(this=value)


def quantiles(value: exp.Expression, caps: Capabilities) -> exp.Expression:
    """One expression returning the list of QUANTILES (approximate where the engine can)."""
    as_double = exp.cast(value, "double")
    points = exp.Array(expressions=[exp.Literal.number(q) for q in QUANTILES])
    if caps.quantile_function:
        return exp.Anonymous(this=caps.quantile_function, expressions=[as_double, points])
    if caps.approx_quantile:
        return exp.ApproxQuantile(this=as_double, quantile=points)
    ordered = exp.Order(expressions=[exp.Ordered(this=as_double)])
    return exp.WithinGroup(this=exp.PercentileCont(this=points), expression=ordered)


def text_metrics(
    column: exp.Expression,
    caps: Capabilities,
    exact_distinct: bool,
    derived: dict[str, exp.Expression] | None = None,
) -> dict[str, exp.Expression]:
    """The text-only aggregates of one column, evaluated row by row (helpers pre-projected when given)."""
    metrics = {name: bind(template, column, derived) for name, template in TEXT_METRICS.items()}
    if caps.byte_length:
        metrics["non_printing_ct"] = _non_ascii_guarded(metrics["non_printing_ct"], column, caps, derived)
    metrics["distinct_std_value_ct"] = distinct_count(
        bind(STANDARDIZED, column, derived), caps, exact_distinct
    )
    return metrics


def _non_ascii_guarded(
    count_if: exp.Expression,
    column: exp.Expression,
    caps: Capabilities,
    derived: dict[str, exp.Expression] | None,
) -> exp.Expression:
    """COUNT_IF(regex) -> COUNT_IF(CASE WHEN bytes <> chars THEN regex ELSE FALSE END): every non-printing
    character is outside ASCII, so a value whose byte and character lengths agree cannot hold one."""
    length = (derived or derived_values(column))[LENGTH].copy()
    non_ascii = exp.NEQ(
        this=exp.Anonymous(this=caps.byte_length, expressions=[column.copy()]), expression=length
    )
    guarded = exp.Case(ifs=[exp.If(this=non_ascii, true=count_if.this.copy())], default=exp.false())
    return exp.CountIf(this=guarded)


STANDARDIZED = f"REGEXP_REPLACE(__up__, {_quote('[' + STANDARDIZE_REMOVE + ']')}, '', 'g')"


def column_metrics(
    column: exp.Expression,
    general_type: GeneralType,
    caps: Capabilities,
    run_date: dt.date,
    *,
    exact_distinct: bool,
    with_text: bool = True,
    with_quantiles: bool = True,
    with_distinct: bool = True,
    integral: bool = False,
) -> dict[str, exp.Expression]:
    """Every aggregate of one column, keyed by metric name; text metrics, quantiles and the distinct count
    only when asked. An `integral` column (integer type) gets no fractional_sum: it is 0 by its type."""
    metrics: dict[str, exp.Expression] = {"value_ct": exp.Count(this=column.copy())}
    if with_distinct:
        metrics["distinct_value_ct"] = distinct_count(column.copy(), caps, exact_distinct)
    templates = {"N": NUMBER_METRICS, "B": BOOLEAN_METRICS, "D": date_metrics(run_date)}.get(general_type, {})
    metrics.update({name: bind(template, column) for name, template in templates.items()})
    if integral:
        metrics.pop("fractional_sum", None)
    if general_type == "A" and with_text:
        metrics.update(text_metrics(column, caps, exact_distinct))
    if general_type == "N" and with_quantiles:
        metrics["percentiles"] = quantiles(column.copy(), caps)
    return metrics
