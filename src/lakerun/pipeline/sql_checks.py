"""Expectations as SQL: a per-row "violates" flag for each, and the queries that split and count rows.

Every expectation becomes one boolean column on the transformed rows, so all of them are evaluated
in a single pass; counts, kept rows and quarantined rows are then simple selects over those flags.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from lakerun.pipeline.config.expectations import (
    Expectation,
    ExpressionCheck,
    NotNull,
    Range,
    Regex,
    Unique,
    ValidValues,
)
from lakerun.pipeline.sql_steps import check_columns, parse_expression

QUARANTINE_REASON = "_quarantine_reason"
QUARANTINED_AT = "_quarantined_at"


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _false_when_null(condition: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=condition, expressions=[exp.false()])


def _literal(value: str | int | float | bool) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def _range_violation(check: Range) -> exp.Expr:
    outside: list[exp.Expr] = []
    if check.min is not None:
        outside.append(exp.LT(this=_col(check.column), expression=exp.Literal.number(check.min)))
    if check.max is not None:
        outside.append(exp.GT(this=_col(check.column), expression=exp.Literal.number(check.max)))
    return _false_when_null(exp.or_(*outside))


def violation(check: Expectation, dialect: str, where: str) -> exp.Expr:
    """A boolean expression that is true exactly on the rows violating `check`."""
    if isinstance(check, NotNull):
        return exp.Is(this=_col(check.column), expression=exp.Null())
    if isinstance(check, Unique):
        window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[_col(c) for c in check.columns])
        return exp.GT(this=window, expression=exp.Literal.number(1))
    if isinstance(check, Range):
        return _range_violation(check)
    if isinstance(check, ValidValues):
        allowed = exp.In(this=_col(check.column), expressions=[_literal(v) for v in check.values])
        return _false_when_null(exp.not_(allowed))
    if isinstance(check, Regex):
        text = exp.Cast(this=_col(check.column), to=exp.DataType.build("text"))
        matches = exp.RegexpLike(this=text, expression=exp.Literal.string(check.pattern))
        return _false_when_null(exp.not_(matches))
    if isinstance(check, ExpressionCheck):
        return _false_when_null(exp.not_(exp.paren(parse_expression(check.expression, dialect, where))))
    raise AssertionError(f"unhandled expectation {check!r}")


def referenced_columns(check: Expectation) -> list[str]:
    """The columns an expectation names directly (expression checks are parsed separately)."""
    if isinstance(check, Unique):
        return list(check.columns)
    if isinstance(check, ExpressionCheck):
        return []
    return [check.column]


def validate_check(check: Expectation, columns: Sequence[str], dialect: str, where: str) -> exp.Expr:
    """The violation expression, after checking that every column it uses exists."""
    flag = violation(check, dialect, where)
    check_columns(flag, columns, where)
    return flag


def flag_name(index: int) -> str:
    """The column holding expectation `index`'s violation flag."""
    return f"__lakerun_violates_{index}"


def flagged_query(transformed: exp.Query, flags: Sequence[exp.Expr]) -> exp.Query:
    """The transformed rows plus one boolean violation column per expectation."""
    source = exp.Subquery(this=transformed, alias=exp.TableAlias(this=exp.to_identifier("transformed")))
    flag_columns = [flag.as_(flag_name(i)) for i, flag in enumerate(flags)]
    return exp.select(exp.Star(), *flag_columns).from_(source)


def any_flag(indexes: Sequence[int]) -> exp.Expr:
    """True when any of the given expectations is violated (FALSE when none are listed)."""
    if not indexes:
        return exp.false()
    return exp.or_(*[exp.column(flag_name(i)) for i in indexes])


def counts_query(view: str, flag_count: int) -> exp.Query:
    """Row count and violation count per expectation over the flagged view."""
    counts = [
        exp.Sum(
            this=exp.If(
                this=exp.column(flag_name(i)), true=exp.Literal.number(1), false=exp.Literal.number(0)
            )
        )
        for i in range(flag_count)
    ]
    return exp.select(
        exp.Count(this=exp.Star()).as_("rows"), *[c.as_(f"v{i}") for i, c in enumerate(counts)]
    ).from_(view)


def kept_query(view: str, columns: Sequence[str], removing: Sequence[int]) -> exp.Query:
    """The rows that pass every `drop` and `quarantine` expectation, without the flag columns."""
    return exp.select(*[_col(c) for c in columns]).from_(view).where(exp.not_(any_flag(removing)))


def quarantine_query(view: str, columns: Sequence[str], labelled: Sequence[tuple[int, str]]) -> exp.Query:
    """The rows violating a `quarantine` expectation, with the names of the checks they failed."""
    parts = [
        exp.If(
            this=exp.column(flag_name(i)), true=exp.Literal.string(f"{label};"), false=exp.Literal.string("")
        )
        for i, label in labelled
    ]
    reason = exp.Concat(expressions=parts, safe=True) if len(parts) > 1 else parts[0]
    return (
        exp.select(
            *[_col(c) for c in columns],
            reason.as_(QUARANTINE_REASON),
            exp.CurrentTimestamp().as_(QUARANTINED_AT),
        )
        .from_(view)
        .where(any_flag([i for i, _ in labelled]))
    )
