"""Text metrics in their own query per column, for engines where that beats one wide scan (DuckDB).

The helpers every text metric needs (LOWER(TRIM(v)), LENGTH(v)) are projected once per row in a
subquery. A column with repeated values is first grouped, so the string work runs once per distinct
value, weighted by its count; its distinct counts then come out exact. A large, mostly unique column
gets its cheap metrics (lengths, blanks, min/max) from every row and the case, regex and pattern work
from one hash class of its values (all rows of about 1/k of the values), its counts scaled back.
"""

from __future__ import annotations

from sqlglot import exp

from lakerun.engines.sql import Capabilities
from lakerun.quality.distinct import in_hash_class
from lakerun.quality.metrics import (
    LENGTH,
    LOWER,
    LOWER_TRIM,
    STANDARDIZED,
    UPPER,
    bind,
    derived_values,
    text_metrics,
)

WEIGHT = "n"
VALUE = "v"
FULL = "f"
EXACT_TEXT_METRICS = (
    "min_length",
    "max_length",
    "avg_length",
    "zero_length_ct",
    "lead_space_ct",
    "quoted_value_ct",
    "min_text",
    "max_text",
)
"""Text metrics cheap enough to take from every row even where the rest is taken from a hash class."""
SAMPLED_VALUES = "class_value_ct"


def _weighted(node: exp.Expr) -> exp.Expr:
    """COUNT_IF(x) -> SUM(CASE WHEN x THEN n ELSE 0 END); AVG(x) -> SUM(x * n) / SUM(n where x not null)."""
    weight = exp.column(WEIGHT)
    if isinstance(node, exp.CountIf):
        case = exp.Case(ifs=[exp.If(this=node.this.copy(), true=weight)], default=exp.Literal.number(0))
        return exp.Sum(this=case)
    if isinstance(node, exp.Avg):
        value = exp.cast(node.this.copy(), "double")
        not_null = exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))
        present = exp.Case(ifs=[exp.If(this=not_null, true=weight.copy())])
        total = exp.Sum(this=exp.Mul(this=value, expression=weight.copy()))
        return exp.Div(this=total, expression=exp.Sum(this=present))
    return node


def _with_helpers(rows: exp.Select, extra: list[str]) -> exp.Subquery:
    """SELECT v, <extra>, __up__, __lo__, __len__, __lt__ FROM (rows), in two steps: LOWER(TRIM(v)) is
    TRIM(__lo__) only where v starts or ends with a space, else __lo__ itself (trimming every value costs
    as much as all other helpers together)."""
    value = exp.column(VALUE)
    kept = [value, *[exp.column(e) for e in extra]]
    helpers = {name: e for name, e in derived_values(value).items() if name != LOWER_TRIM}
    cased = exp.select(*kept, *[exp.alias_(e, name) for name, e in helpers.items()]).from_(rows.subquery("r"))
    padded = exp.or_(
        exp.Like(this=value.copy(), expression=exp.Literal.string(" %")),
        exp.Like(this=value.copy(), expression=exp.Literal.string("% ")),
    )
    lower = exp.column(LOWER)
    trimmed = exp.Case(ifs=[exp.If(this=padded, true=exp.Trim(this=lower.copy()))], default=lower.copy())
    return (
        exp.select(
            *[k.copy() for k in kept],
            *[exp.column(name) for name in helpers],
            exp.alias_(trimmed, LOWER_TRIM),
        )
        .from_(cased.subquery("c"))
        .subquery("h")
    )


def _helper_columns() -> dict[str, exp.Expression]:
    return {name: exp.column(name) for name in (LOWER_TRIM, LENGTH, UPPER, LOWER)}


def text_query(
    source: exp.Expression, column: exp.Expression, caps: Capabilities, exact_distinct: bool
) -> exp.Select:
    """All text metrics of one (near-unique) column, row by row; the standardized distinct count is left out."""
    rows = exp.select(exp.alias_(column.copy(), VALUE)).from_(source.copy())
    metrics = text_metrics(exp.column(VALUE), caps, exact_distinct, _helper_columns())
    del metrics[
        "distinct_std_value_ct"
    ]  # near-unique values: an estimate could not show a 5% standardization gap
    selects = [exp.alias_(e, name, quoted=True) for name, e in metrics.items()]
    return exp.select(*selects).from_(_with_helpers(rows, []))


EXACT_COUNTED_METRICS = (
    *EXACT_TEXT_METRICS,
    "text_min_date",
    "text_max_date",
    "value_ct",
    "distinct_value_ct",
    "distinct_std_value_ct",
)
"""Metrics taken over every distinct value even where the regex work is taken from a share of them."""


def weighted_text_query(
    counts: exp.Expression, caps: Capabilities, only: tuple[str, ...] = (), besides: tuple[str, ...] = ()
) -> exp.Select:
    """All text metrics of one column over its value counts (v, n), or `only` these, or all `besides` these;
    distinct counts are exact."""
    value = exp.column(VALUE)
    metrics: dict[str, exp.Expr] = {
        name: expression.transform(_weighted)
        for name, expression in text_metrics(value, caps, True, _helper_columns()).items()
    }
    metrics["value_ct"] = exp.Sum(this=exp.column(WEIGHT))
    metrics["distinct_value_ct"] = exp.Count(this=exp.Star())
    standardized = bind(STANDARDIZED, value, _helper_columns())
    metrics["distinct_std_value_ct"] = exp.Count(this=exp.Distinct(expressions=[standardized]))
    chosen = {n: e for n, e in metrics.items() if (not only or n in only) and n not in besides}
    selects = [exp.alias_(e, name, quoted=True) for name, e in chosen.items()]
    rows = exp.select(exp.column(VALUE), exp.column(WEIGHT)).from_(counts.copy())
    return exp.select(*selects).from_(_with_helpers(rows, [WEIGHT]))


def class_counts_query(
    source: exp.Expression, columns: list[exp.Column], row_hash: str, factor: int
) -> exp.Select:
    """Per text column, in one scan: its values, and the values and distinct values of its hash class
    (every value when `factor` is 1), named c<i>__value_ct, c<i>__class_value_ct, c<i>__class_distinct_ct.
    The class's distinct count times `factor` estimates the column's (exactly when `factor` is 1)."""
    projected: list[exp.Expr] = []
    selects: list[exp.Expr] = []
    for index, column in enumerate(columns):
        value, sampled = exp.column(f"v{index}"), exp.column(f"s{index}")
        kept = (
            column.copy()
            if factor == 1
            else exp.Case(ifs=[exp.If(this=in_hash_class(column, row_hash, factor), true=column.copy())])
        )
        projected += [exp.alias_(column.copy(), value.name), exp.alias_(kept, sampled.name)]
        selects += [
            exp.alias_(exp.Count(this=value), f"c{index}__value_ct", quoted=True),
            exp.alias_(exp.Count(this=sampled.copy()), f"c{index}__{SAMPLED_VALUES}", quoted=True),
            exp.alias_(
                exp.Count(this=exp.Distinct(expressions=[sampled.copy()])),
                f"c{index}__class_distinct_ct",
                quoted=True,
            ),
        ]
    return exp.select(*selects).from_(exp.select(*projected).from_(source.copy()).subquery("tv"))


def row_sample(source: exp.Expression, columns: list[exp.Column], percent: float, seed: int) -> exp.Subquery:
    """A repeatable Bernoulli sample of the source's rows, as a subquery of `columns` (naming them keeps
    DuckDB from reading every column: SELECT * under a sample is not pruned)."""
    sampled = exp.select(*[c.copy() for c in columns]).from_(source.copy()).subquery("row_sample")
    sample = exp.TableSample(
        method="BERNOULLI", percent=exp.Literal.number(round(percent, 6)), seed=exp.Literal.number(seed)
    )
    sampled.set("sample", sample)
    return sampled


def exact_text_query(source: exp.Expression, column: exp.Expression, caps: Capabilities) -> exp.Select:
    """EXACT_TEXT_METRICS of one column over every row: lengths, blanks, min and max (no per-row helpers)."""
    value = exp.column(VALUE)
    metrics = text_metrics(value, caps, True, {**_helper_columns(), LENGTH: exp.Length(this=value.copy())})
    selects = [exp.alias_(metrics[name], name, quoted=True) for name in EXACT_TEXT_METRICS]
    return exp.select(*selects).from_(
        exp.select(exp.alias_(column.copy(), VALUE)).from_(source.copy()).subquery("r")
    )


def sampled_text_query(source: exp.Expression, column: exp.Expression, caps: Capabilities) -> exp.Select:
    """The other text metrics of one column over `source` (a row sample), with the values seen as
    SAMPLED_VALUES (scale counts by value_ct / SAMPLED_VALUES)."""
    query = text_query(source, column, caps, True)
    metric_names = [e.alias for e in query.expressions]
    kept = [
        e for e, name in zip(query.expressions, metric_names, strict=True) if name not in EXACT_TEXT_METRICS
    ]
    seen = exp.alias_(exp.Count(this=exp.column(VALUE)), SAMPLED_VALUES, quoted=True)
    return query.select(*kept, seen, append=False)


def sampled_counts_share(counts: exp.Expression, row_hash: str, factor: int, heavy: int) -> exp.Subquery:
    """The value counts (v, n) standing for a column's values: every value counted more than `heavy` times with
    its count, and of the others one hash class (about 1/`factor` of them) with their counts times `factor`; the
    count each row really has is kept as `seen`. Repeatable (the class is a property of the values), and a heavy
    value such as a placeholder is never left out or multiplied."""
    value, weight = exp.column(VALUE), exp.column(WEIGHT)
    is_heavy = exp.GT(this=weight.copy(), expression=exp.Literal.number(heavy))
    scaled = exp.Case(
        ifs=[exp.If(this=is_heavy.copy(), true=weight.copy())],
        default=exp.Mul(this=weight.copy(), expression=exp.Literal.number(factor)),
    )
    return (
        exp.select(value, exp.alias_(scaled, WEIGHT), exp.alias_(weight.copy(), "seen"))
        .from_(counts.copy())
        .where(exp.or_(is_heavy, in_hash_class(value.copy(), row_hash, factor)))
        .subquery("vs")
    )


def sampled_weighted_text_query(counts: exp.Expression, caps: Capabilities) -> exp.Select:
    """The text metrics besides EXACT_COUNTED_METRICS over `sampled_counts_share` counts (already scaled)."""
    return weighted_text_query(counts, caps, besides=EXACT_COUNTED_METRICS)
