"""Grouped queries of a profile: top values, character-class patterns and duplicate rows.

These need a GROUP BY and so cannot live in the one-pass aggregate scan; each is built as a sqlglot
expression and rendered by the engine.
"""

from __future__ import annotations

from sqlglot import exp

from lakerun.quality.textrules import PATTERN_CLASSES


def value_counts(source: exp.Expression, column: exp.Expression) -> exp.Select:
    """SELECT value, COUNT(*) AS n FROM source WHERE value IS NOT NULL GROUP BY value."""
    return (
        exp.select(exp.alias_(column.copy(), "v"), exp.alias_(exp.Count(this=exp.Star()), "n"))
        .from_(source.copy())
        .where(exp.Not(this=exp.Is(this=column.copy(), expression=exp.Null())))
        .group_by(column.copy())
    )


def counts_of(source: exp.Expression, column: exp.Expression) -> exp.Expression:
    """The value counts of a column as a FROM-able subquery with columns v and n."""
    return value_counts(source, column).subquery("vc")


def top_values_query(counts: exp.Expression, limit: int) -> exp.Select:
    """The `limit` most frequent values with their counts, as text, from value counts (v, n)."""
    return (
        exp.select(exp.alias_(exp.cast(exp.column("v"), "text"), "v"), "n")
        .from_(counts.copy())
        .order_by(exp.Ordered(this=exp.column("n"), desc=True), exp.Ordered(this=exp.column("v")))
        .limit(limit)
    )


def pattern_query(counts: exp.Expression, limit: int) -> exp.Select:
    """Top character-class masks (a/A/N) with row counts, the distinct-pattern count and the top value frequency.

    Masks are computed once per distinct value and weighted by its count, so the cost follows the
    column's cardinality rather than its row count.
    """
    mask: exp.Expr = exp.column("v")
    for pattern, letter in PATTERN_CLASSES:
        mask = exp.RegexpReplace(
            this=mask, expression=exp.Literal.string(pattern), replacement=exp.Literal.string(letter)
        )
    per_pattern = (
        exp.select(
            exp.alias_(mask, "pattern"),
            exp.alias_(exp.Sum(this=exp.column("n")), "n"),
            exp.alias_(exp.Max(this=exp.column("n")), "top_value_n"),
        )
        .from_(counts.copy())
        .group_by(mask.copy())
        .subquery("pc")
    )
    over_all = exp.Window(this=exp.Count(this=exp.Star()))
    top_freq = exp.Window(this=exp.Max(this=exp.column("top_value_n")))
    return (
        exp.select(
            "pattern",
            "n",
            exp.alias_(over_all, "distinct_pattern_ct"),
            exp.alias_(top_freq, "top_freq_ct"),
            exp.alias_(exp.Window(this=exp.Sum(this=exp.column("n"))), "counted_n"),
        )
        .from_(per_pattern)
        .order_by(exp.Ordered(this=exp.column("n"), desc=True), exp.Ordered(this=exp.column("pattern")))
        .limit(limit)
    )


def sampled_counts(counts: exp.Expression, percent: float, seed: int) -> exp.Expression:
    """A repeatable Bernoulli sample of materialized value counts (a table); other sources are returned whole."""
    if not isinstance(counts, exp.Table):
        return counts
    sampled = counts.copy()
    sampled.set(
        "sample",
        exp.TableSample(
            method="BERNOULLI", percent=exp.Literal.number(percent), seed=exp.Literal.number(seed)
        ),
    )
    return sampled


def top_frequency_query(counts: exp.Expression) -> exp.Select:
    """How often the most frequent value occurs, from value counts (v, n)."""
    return exp.select(exp.alias_(exp.Max(this=exp.column("n")), "top_freq_ct")).from_(counts.copy())


def hashed_top_frequency_query(source: exp.Expression, column: exp.Expression, row_hash: str) -> exp.Select:
    """How often the most frequent value occurs, grouping 64-bit hashes instead of the values themselves
    (much cheaper for long, mostly unique text; exact up to hash collisions)."""
    hashed = exp.func(row_hash, column.copy())
    counts = (
        exp.select(exp.alias_(exp.Count(this=exp.Star()), "n"))
        .from_(source.copy())
        .where(exp.Not(this=exp.Is(this=column.copy(), expression=exp.Null())))
        .group_by(hashed)
        .subquery("hc")
    )
    return exp.select(exp.alias_(exp.Max(this=exp.column("n")), "top_freq_ct")).from_(counts)


def distinct_rows_query(source: exp.Expression, columns: list[str], row_hash: str) -> exp.Select:
    """Count of distinct whole rows (duplicates = rows - this).

    With a row hash function (64-bit, order-sensitive, NULL-aware) the engine counts distinct hashes,
    far cheaper than DISTINCT * over wide rows; exact up to hash collisions (about n^2 / 2^65).
    """
    if row_hash and columns:
        hashed = exp.func(row_hash, *[exp.column(c, quoted=True) for c in columns])
        return exp.select(exp.alias_(exp.Count(this=exp.Distinct(expressions=[hashed])), "n")).from_(
            source.copy()
        )
    distinct_rows = exp.select("*").from_(source.copy()).distinct().subquery("dr")
    return exp.select(exp.alias_(exp.Count(this=exp.Star()), "n")).from_(distinct_rows)


def prefix_frequency_query(source: exp.Expression, columns: list[exp.Column], rows: int) -> exp.Query:
    """Per column of the first `rows` rows: its index c, values m, distinct values d, and the values seen once
    (f1) and twice (f2), from which Chao1 estimates the distinct values of the whole column."""
    leading = exp.select(*[exp.alias_(c.copy(), f"p{i}") for i, c in enumerate(columns)]).from_(source.copy())
    prefix = leading.limit(rows).subquery("prefix")
    parts: list[exp.Query] = []
    for index in range(len(columns)):
        value = exp.column(f"p{index}")
        counts = value_counts(prefix, value).subquery("pc")
        n = exp.column("n")
        parts.append(
            exp.select(
                exp.alias_(exp.Literal.number(index), "c"),
                exp.alias_(exp.Sum(this=n.copy()), "m"),
                exp.alias_(exp.Count(this=exp.Star()), "d"),
                exp.alias_(exp.CountIf(this=exp.EQ(this=n.copy(), expression=exp.Literal.number(1))), "f1"),
                exp.alias_(exp.CountIf(this=exp.EQ(this=n.copy(), expression=exp.Literal.number(2))), "f2"),
            ).from_(counts)
        )
    query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return query
