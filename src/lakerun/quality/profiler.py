"""The profiler: plans as few scans as the engine prefers, runs them, and assembles a TableProfile.

Plan: one aggregate scan per group of columns (group size is the engine's declared preference), then
grouped queries only where they pay: top values for low-cardinality columns, character patterns for
short text, the top value frequency for text that is not unique, and one duplicate-row count.
Errors are recorded per column and never abort the profile; no column is ever dropped.
"""

from __future__ import annotations

import datetime as dt
import decimal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp

from lakerun.engines.sql import Capabilities, EngineError, SqlEngine, capabilities_of, materialize
from lakerun.errors import InvalidInputError
from lakerun.quality.distinct import apply_refined, class_factor, in_hash_class, plan, refine_query
from lakerun.quality.duplicates import duplicate_rows, scalar
from lakerun.quality.frequencies import (
    counts_of,
    hashed_top_frequency_query,
    pattern_query,
    prefix_frequency_query,
    sampled_counts,
    top_frequency_query,
    top_values_query,
    value_counts,
)
from lakerun.quality.general_types import general_type
from lakerun.quality.metrics import QUANTILE_NAMES, add_months, column_metrics, quantiles
from lakerun.quality.numeric_text import adopt, check_selects, confirmed, is_candidate, typed_source
from lakerun.quality.profile import ColumnProfile, TableProfile
from lakerun.quality.sampling import SEED, sampled_source
from lakerun.quality.semantics import enrich
from lakerun.quality.shape import measure_shape, skewness
from lakerun.quality.text_scan import (
    EXACT_COUNTED_METRICS,
    SAMPLED_VALUES,
    WEIGHT,
    class_counts_query,
    exact_text_query,
    row_sample,
    sampled_counts_share,
    sampled_text_query,
    sampled_weighted_text_query,
    text_query,
    weighted_text_query,
)

REPEAT_RATIO = 0.9
"""Text columns with at most this many distinct values per value are scanned over their distinct values."""
ROW_WISE_MIN_VALUES = 100_000
"""Below this many values grouping is always cheap, so every text column is scanned over its value counts."""
RECORDS = "__records"
PREFIX_ROWS = 50_000
"""Text columns are first looked at over this many leading rows (cheap: nothing else is read)."""
REPEATING_PREFIX_SHARE = 0.5
"""A text column whose first rows show at most this many distinct values per value (Chao1's estimate, which
sees how often values repeat) is grouped at once, without the hash-class scan."""
TEXT_CLASS_VALUES = 50_000
"""Text columns are judged (repeating or mostly unique) on a hash class of about this many of their rows
(relative error of the distinct estimate about 1/sqrt(class distinct values): under 0.5%)."""
TEXT_SAMPLE_DISTINCT = 100_000
"""Text with more distinct values than this gets its case, regex and pattern counts over a hash class of
about this many of them (each weighted by its count)."""
TEXT_SAMPLE_ROWS = 100_000
"""Large, mostly unique text gets its case, regex and pattern counts from a row sample of about this size."""
PATTERN_SAMPLE_DISTINCT = 50_000
"""Above this many distinct values, patterns are computed on a sample of about this many of them."""


@dataclass(frozen=True)
class ProfileOptions:
    """How to profile: every field has a safe default; sampling happens only when asked."""

    run_date: dt.date | None = None
    """Reference day for date recency buckets (default: today, UTC)."""
    exact_distinct: bool = False
    """Exact COUNT(DISTINCT) instead of the engine's approximate count (labelled in the profile)."""
    sample_percent: float | None = None
    """Profile a random sample of this percentage of rows; counts are scaled, the ratio recorded."""
    top_values_max_distinct: int = 70
    top_n: int = 10
    pattern_lengths: tuple[int, int] = (3, 25)
    """Character patterns are profiled for text whose max length lies in this range (TestGen's rule)."""
    count_duplicate_rows: bool = True
    columns: tuple[str, ...] = field(default_factory=tuple)
    """Profile only these columns (default: all)."""


class _Timer:
    """Wall time per profiling phase, kept in the profile as evidence of cost."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Add the wall time of the enclosed block to phase `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 4)


def profile_table(engine: SqlEngine, table_name: str, options: ProfileOptions | None = None) -> TableProfile:
    """Profile every column of `table_name` (a table or view the engine knows) in as few scans as it can."""
    return _Profiler(engine, table_name, options or ProfileOptions()).run()


class _Profiler:
    """One profiling run over one table."""

    def __init__(self, engine: SqlEngine, table_name: str, options: ProfileOptions) -> None:
        self.engine = engine
        self.caps: Capabilities = capabilities_of(engine)
        self.options = options
        self.table_name = table_name
        self.table = exp.to_table(table_name, dialect=engine.dialect)
        self.run_date = options.run_date or dt.datetime.now(dt.UTC).date()
        self.timer = _Timer()
        self._counts: dict[str, exp.Expression] = {}
        self.class_factor = 1
        """k of the text columns' hash class (1: every value)."""
        self._expected_distinct: dict[str, float] = {}
        """Distinct values expected of text grouped without the class scan, from the first rows."""
        self.columns: list[ColumnProfile] = []

    def run(self) -> TableProfile:
        """Discover columns, scan, run grouped queries, derive."""
        with self.timer.phase("schema"):
            columns = self.columns = self._discover()
        with self.timer.phase("sample"):
            source, scaler = sampled_source(self.engine, self.table, self.options.sample_percent)
        self.source = source
        with self.timer.phase("aggregate_scans"):
            record_ct = self._aggregate(columns)
        with self.timer.phase("text_as_number"):
            self._numbers_in_text(columns)
        with self.timer.phase("shape"):
            measure_shape(self.engine, self.source, columns, with_skew=not self.caps.quantile_sample_rows)
        with self.timer.phase("frequencies"):
            for column in columns:
                self._frequencies(column)
        duplicate_rows = self._duplicates(record_ct)
        for column in columns:
            scaler.scale_column(column)
            enrich(column)
        return TableProfile(
            table_name=self.table_name,
            record_ct=scaler.scale_count(record_ct),
            columns=columns,
            run_date=self.run_date.isoformat(),
            dialect=self.engine.dialect,
            duplicate_row_ct=None if duplicate_rows is None else scaler.scale_count(duplicate_rows),
            distinct_is_exact=all(c.metrics.get("distinct_is_exact") for c in columns),
            sample_ratio=scaler.ratio,
            timings=self.timer.timings,
        )

    def _discover(self) -> list[ColumnProfile]:
        """Column names and types from a zero-row query; unknown requested columns are an error."""
        schema = self.engine.query(exp.select("*").from_(self.table.copy()).limit(0)).schema
        wanted = set(self.options.columns)
        missing = wanted - set(schema.names)
        if missing:
            raise InvalidInputError(f"columns not in {self.table_name!r}: {', '.join(sorted(missing))}")
        return [
            ColumnProfile(
                column_name=f.name,
                position=i + 1,
                general_type=general_type(f.type),
                db_data_type=str(f.type),
            )
            for i, f in enumerate(schema)
            if not wanted or f.name in wanted
        ]

    def _column_expr(self, column: ColumnProfile) -> exp.Column:
        """A quoted reference to the column."""
        return exp.column(column.column_name, quoted=True)

    def _aggregate(self, columns: list[ColumnProfile]) -> int:
        """Run the aggregate scans (the first also counts rows); returns the row count of the source."""
        size = self.caps.columns_per_scan or max(len(columns), 1)
        with_text = not self.caps.text_by_value
        groups = [columns[start : start + size] for start in range(0, len(columns), size)]
        if self.caps.text_by_value:  # text gets only counts here: one light scan for all of it
            text = [c for c in columns if c.general_type == "A"]
            rest = [c for c in columns if c.general_type != "A"]
            groups = [rest[start : start + size] for start in range(0, len(rest), size)] + (
                [text] if text else []
            )
        by_class = self.caps.text_by_value and self.caps.row_hash
        if by_class:  # text is counted by hash class once the row count is known
            groups = [g for g in groups if g[0].general_type != "A"]
        counted = [self._scan_group(group, with_text) for group in groups]
        record_ct = next((n for n in counted if n is not None), None)
        if record_ct is None:
            record_ct = self._scalar(exp.select(exp.Count(this=exp.Star())).from_(self.source.copy()))
        if by_class:
            self._class_counts(
                self._unique_looking([c for c in columns if c.general_type == "A"], record_ct), record_ct
            )
        sample: dict[str, tuple[int, int]] = {}
        if self.caps.quantile_sample_rows:
            sample = self._sampled_quantiles(
                [c for c in columns if c.general_type == "N" and not c.query_error],
                record_ct,
                self._refined(columns) if self._distinct_after_scan else [],
            )
        if self._distinct_after_scan:
            self._refine_distinct(columns, sample)
        if not with_text:
            self._text_scans([c for c in columns if c.general_type == "A" and not c.query_error])
        for column in columns:
            column.metrics["record_ct"] = record_ct
            column.metrics.setdefault("distinct_is_exact", int(self._exact_distinct(column)))
            if column.general_type == "D":
                column.metrics["max_likely_date"] = add_months(self.run_date, 360).isoformat()
            column.metrics["null_value_ct"] = record_ct - int(column.number("value_ct"))
        return record_ct

    def _numbers_in_text(self, columns: list[ColumnProfile]) -> None:
        """Profile as numbers the text columns holding only numbers and placeholder words (see
        quality/numeric_text.py); later phases read them from a source where they are numeric."""
        candidates = [c for c in columns if is_candidate(c)]
        if not candidates:
            return
        try:
            row = self._row(exp.select(*check_selects(candidates)).from_(self.source.copy()))
        except EngineError:
            return  # the columns keep their text profile
        chosen = confirmed(candidates, row)
        if not chosen:
            return
        source = typed_source(self.source, columns, {c.column_name for c in chosen})
        numbers = _Profiler(self.engine, self.table_name, self.options)
        numbers.source = source
        typed = [
            ColumnProfile(
                column_name=c.column_name, position=c.position, general_type="N", db_data_type="DOUBLE"
            )
            for c in chosen
        ]
        numbers._aggregate(typed)
        if any(t.query_error for t in typed):
            return
        for text, number in zip(chosen, typed, strict=True):
            self._counts.pop(text.column_name, None)
            adopt(text, number)
        self.source = source

    def _class_counts(self, columns: list[ColumnProfile], record_ct: int) -> None:
        """Every text column's value count and the distinct values of one hash class, in one light scan:
        the class's distinct count times k estimates the column's (exact when k is 1, i.e. small tables or
        exact distinct asked) and decides whether the column is grouped or scanned row by row."""
        if not columns:
            return
        self.class_factor = 1 if self.options.exact_distinct else class_factor(record_ct, TEXT_CLASS_VALUES)
        references = [self._column_expr(c) for c in columns]
        query = class_counts_query(self.source, references, self.caps.row_hash, self.class_factor)
        try:
            row = self.engine.query(query).to_pylist()[0]
        except EngineError:
            for column in columns:
                self._class_counts_one(column)
            return
        for alias, value in row.items():
            index, name = alias.split("__", 1)
            _store(columns[int(index[1:])], name, value)
        for column in columns:
            self._estimate_distinct(column)

    def _unique_looking(self, columns: list[ColumnProfile], record_ct: int) -> list[ColumnProfile]:
        """The text columns that need the hash-class scan to tell whether their values repeat: none in a table
        of fewer than ROW_WISE_MIN_VALUES rows (all are grouped), else those whose first PREFIX_ROWS rows do
        not show clear repetition (Chao1's estimate of their distinct values above REPEATING_PREFIX_SHARE of
        their values). A column left out is grouped: its figures come out exact; a column kept that repeats
        after all is grouped too, as the class shows."""
        if record_ct < ROW_WISE_MIN_VALUES or not columns:
            return [] if record_ct < ROW_WISE_MIN_VALUES else columns
        try:
            rows = self.engine.query(
                _expression(
                    prefix_frequency_query(self.source, [self._column_expr(c) for c in columns], PREFIX_ROWS)
                )
            ).to_pylist()
        except EngineError:
            return columns
        seen = {int(r["c"]): r for r in rows}
        prefix_rows = min(PREFIX_ROWS, record_ct)
        kept = []
        for index, column in enumerate(columns):
            row = seen.get(index) or {}
            values = int(row.get("m") or 0)
            if not values:
                kept.append(column)
                continue
            distinct, f1, f2 = int(row["d"]), int(row["f1"] or 0), int(row["f2"] or 0)
            estimate = distinct + (f1 * f1 / (2 * f2) if f2 else f1 * (f1 - 1) / 2)
            expected_values = values * record_ct / prefix_rows
            if min(estimate, expected_values) > REPEATING_PREFIX_SHARE * expected_values:
                kept.append(column)
            else:
                self._expected_distinct[column.column_name] = min(estimate, expected_values)
        return kept

    def _class_counts_one(self, column: ColumnProfile) -> None:
        """The class counts of one column, its error recorded when it cannot be read."""
        query = class_counts_query(
            self.source, [self._column_expr(column)], self.caps.row_hash, self.class_factor
        )
        try:
            row = self.engine.query(query).to_pylist()[0]
        except EngineError as error:
            column.query_error = str(error).splitlines()[0]
            return
        for alias, value in row.items():
            _store(column, alias.split("__", 1)[1], value)
        self._estimate_distinct(column)

    def _estimate_distinct(self, column: ColumnProfile) -> None:
        """distinct_value_ct from the hash class: exact when the class holds every value."""
        column.metrics["distinct_value_ct"] = int(column.number("class_distinct_ct")) * self.class_factor
        column.metrics["distinct_is_exact"] = int(self.class_factor == 1)

    def _exact_distinct(self, column: ColumnProfile) -> bool:
        """Whether this column's distinct count is computed exactly in the aggregate scan."""
        return self.options.exact_distinct or not self.caps.approx_distinct

    @property
    def _distinct_after_scan(self) -> bool:
        """Whether numbers, dates and booleans get their distinct count after the scan instead of the engine's
        coarse estimate in it (see quality/distinct.py)."""
        return (
            self.caps.refine_distinct
            and bool(self.caps.row_hash)
            and bool(self.caps.quantile_sample_rows)
            and not self.options.exact_distinct
        )

    def _refined(self, columns: list[ColumnProfile]) -> list[ColumnProfile]:
        """The columns whose distinct count is refined: numbers and timestamps (dates and booleans have theirs
        exactly from the scan)."""
        return [
            c
            for c in columns
            if c.general_type in "ND" and not c.query_error and "distinct_value_ct" not in c.metrics
        ]

    def _refine_distinct(self, columns: list[ColumnProfile], sample: dict[str, tuple[int, int]]) -> None:
        """Distinct counts of booleans and dates from their scanned counts, then of the rest in one query."""
        for column in columns:
            if column.query_error:
                continue
            if column.general_type == "B":
                present = (column.number("boolean_true_ct") > 0, column.number("boolean_false_ct") > 0)
                column.metrics["distinct_value_ct"] = sum(present)
                column.metrics["distinct_is_exact"] = 1
            elif column.general_type == "D" and column.db_data_type.startswith("date"):
                column.metrics["distinct_value_ct"] = column.metrics.get("date_days_present") or 0
                column.metrics["distinct_is_exact"] = 1
        chosen = self._refined(columns)
        if not chosen:
            return
        plans = [plan(column, sample.get(column.column_name)) for column in chosen]
        query = refine_query(self.source, chosen, plans, self.caps.row_hash)
        try:
            apply_refined(chosen, self.engine.query(query).to_pylist()[0], plans)
        except EngineError as error:
            for column in chosen:
                column.query_error = str(error).splitlines()[0]

    def _sampled_quantiles(
        self, columns: list[ColumnProfile], record_ct: int, counted: list[ColumnProfile]
    ) -> dict[str, tuple[int, int]]:
        """Every numeric column's quantiles, exact over one shared Bernoulli sample of about
        `quantile_sample_rows` rows (the whole table when it is smaller); the share sampled is recorded.
        Returns the (values, distinct values) the sample holds of each `counted` column."""
        if not columns and not counted:
            return {}
        percent = min(100.0, 100.0 * self.caps.quantile_sample_rows / max(record_ct, 1))
        source: exp.Expression = self.source.copy()
        if percent < 100:
            sampled = {c.column_name: self._column_expr(c) for c in [*columns, *counted]}
            source = row_sample(source, list(sampled.values()), percent, SEED)
        exact = replace(self.caps, approx_quantile=False, quantile_function="")
        selects = [
            exp.alias_(quantiles(self._column_expr(column), exact), f"q{index}")
            for index, column in enumerate(columns)
        ]
        skews = {index: skewness(column) for index, column in enumerate(columns)}
        selects += [exp.alias_(e, f"s{index}") for index, e in skews.items() if e is not None]
        for index, column in enumerate(counted):
            reference = self._column_expr(column)
            selects += [
                exp.alias_(exp.Count(this=reference), f"m{index}"),
                exp.alias_(exp.Count(this=exp.Distinct(expressions=[reference.copy()])), f"u{index}"),
            ]
        try:
            row = self.engine.query(exp.select(*selects).from_(source)).to_pylist()[0]
        except EngineError as error:
            for column in columns:
                column.metrics["quantile_error"] = str(error).splitlines()[0]
            return {}
        for index, column in enumerate(columns):
            _store(column, "percentiles", row[f"q{index}"])
            column.metrics["quantile_sample_ratio"] = round(percent / 100, 6)
            if row.get(f"s{index}") is not None:
                column.metrics["skewness"] = round(float(row[f"s{index}"]), 6)
        return {
            c.column_name: (int(row[f"m{i}"] or 0), int(row[f"u{i}"] or 0)) for i, c in enumerate(counted)
        }

    def _scan_group(self, group: list[ColumnProfile], with_text: bool = True) -> int | None:
        """One aggregate query over a group of columns plus COUNT(*); on error, retry column by column."""
        selects: list[exp.Expr] = [exp.alias_(exp.Count(this=exp.Star()), RECORDS, quoted=True)]
        for index, column in enumerate(group):
            metrics = column_metrics(
                self._column_expr(column),
                column.general_type,
                self.caps,
                self.run_date,
                exact_distinct=self._exact_distinct(column),
                with_text=with_text,
                with_quantiles=not self.caps.quantile_sample_rows,
                with_distinct=column.general_type == "A" or not self._distinct_after_scan,
                integral=_integral(column),
            )
            selects += [exp.alias_(e, f"c{index}__{name}", quoted=True) for name, e in metrics.items()]
        try:
            row = self.engine.query(exp.select(*selects).from_(self.source.copy())).to_pylist()[0]
        except EngineError as error:
            if len(group) > 1:
                counts = [self._scan_group([column], with_text) for column in group]
                return next((n for n in counts if n is not None), None)
            group[0].query_error = str(error).splitlines()[0]
            return None
        record_ct = int(row.pop(RECORDS))
        for alias, value in row.items():
            index, name = alias.split("__", 1)
            _store(group[int(index[1:])], name, value)
        for column in group:
            if column.general_type == "N" and _integral(column):  # SUM of zeros: 0, or NULL over no values
                column.metrics["fractional_sum"] = 0.0 if column.number("value_ct") else None
        return record_ct

    def _text_scans(self, columns: list[ColumnProfile]) -> None:
        """Text metrics per column: over its value counts (grouped once, kept for the frequencies) when
        values repeat, else row by row (the costly part on one hash class of a large column)."""
        for index, column in enumerate(columns):
            values = column.number("value_ct")
            repeats = (
                values < ROW_WISE_MIN_VALUES or column.number("distinct_value_ct") <= REPEAT_RATIO * values
            )
            by_class = not repeats and self.class_factor > 1
            reference = self._column_expr(column)
            try:
                if repeats:
                    row = self._counted_text_metrics(
                        column, self._materialized_counts(column, reference, index)
                    )
                elif by_class:
                    row = self._row(exact_text_query(self.source, reference, self.caps))
                    row.update(self._sampled_text_metrics(column, reference))
                    self._class_top_frequency(column)
                else:
                    row = self._row(
                        text_query(self.source, reference, self.caps, self.options.exact_distinct)
                    )
            except EngineError as error:
                column.query_error = str(error).splitlines()[0]
                continue
            for name, value in row.items():
                _store(column, name, value)
            if repeats:
                column.metrics["distinct_is_exact"] = 1
                if (
                    "class_value_ct" not in column.metrics
                    and self.class_factor == 1
                    and values < ROW_WISE_MIN_VALUES
                ):
                    column.metrics["class_value_ct"] = column.metrics.get("value_ct")  # every value
                    column.metrics["class_distinct_ct"] = column.metrics.get("distinct_value_ct")

    def _counted_text_metrics(self, column: ColumnProfile, counts: exp.Expression) -> dict[str, Any]:
        """Text metrics over a column's value counts: every metric over every distinct value, or, above
        TEXT_SAMPLE_DISTINCT of them, lengths, blanks, min/max, dates and distinct counts over all and the
        case, regex and pattern counts over the frequent values and one hash class of the rest (about
        TEXT_SAMPLE_DISTINCT values in all, the class's counts multiplied up), the share of the column's
        values they hold kept as `text_sample_ratio`."""
        expected = column.number("distinct_value_ct") or self._expected_distinct.get(column.column_name, 0)
        factor = class_factor(int(expected), TEXT_SAMPLE_DISTINCT)
        if factor == 1 or not self.caps.row_hash:
            return self._row(weighted_text_query(counts, self.caps))
        row = self._row(weighted_text_query(counts, self.caps, only=EXACT_COUNTED_METRICS))
        values = int(row["value_ct"] or 0)
        share = sampled_counts_share(counts, self.caps.row_hash, factor, values // TEXT_SAMPLE_DISTINCT)
        sampled = self._row(sampled_weighted_text_query(share, self.caps))
        sums = exp.select(
            exp.alias_(exp.Sum(this=exp.column(WEIGHT)), "weight"),
            exp.alias_(exp.Sum(this=exp.column("seen")), "seen"),
        )
        totals = self._row(sums.from_(share.copy()))
        weight, seen = float(totals["weight"] or 0), int(totals["seen"] or 0)
        for name, value in sampled.items():  # a share of the values stood for: all of them stays all of them
            if name.endswith("_ct") and value is not None:
                sampled[name] = round(float(value) * values / weight) if weight else 0
        column.metrics["text_sample_ratio"] = round(seen / values, 6) if values else 1.0
        return {**sampled, **row}

    def _row(self, query: exp.Expression) -> dict[str, Any]:
        """The single row an aggregate query returns."""
        return dict(self.engine.query(query).to_pylist()[0])

    def _text_sample(self, column: ColumnProfile) -> exp.Expression:
        """A repeatable row sample of about TEXT_SAMPLE_ROWS rows for the costly text work of a large column."""
        percent = min(100.0, 100.0 * TEXT_SAMPLE_ROWS / max(column.number("value_ct"), 1))
        return row_sample(self.source, [self._column_expr(column)], percent, SEED)

    def _sampled_text_metrics(self, column: ColumnProfile, reference: exp.Column) -> dict[str, Any]:
        """Case, regex and pattern counts of a large, mostly unique column over a row sample, scaled to its
        values; the share of values seen is kept as `text_sample_ratio`."""
        row = self._row(sampled_text_query(self._text_sample(column), reference, self.caps))
        values, seen = column.number("value_ct"), row.pop(SAMPLED_VALUES) or 0
        for name, value in row.items():
            if name.endswith("_ct") and value is not None:
                row[name] = round(int(value) * values / seen) if seen else 0
        column.metrics["text_sample_ratio"] = round(seen / values, 6) if values else 1.0
        return row

    def _class_top_frequency(self, column: ColumnProfile) -> None:
        """The top frequency among the values of the hash class (exact for them: a value's rows are all in
        it or all out): 1 when the class holds no repeat, else one grouped query over the class."""
        column.metrics["top_freq_sample_ratio"] = round(1 / self.class_factor, 6)
        if column.number("class_value_ct") <= column.number("class_distinct_ct"):
            column.metrics["top_freq_ct"] = 1
            return
        column.metrics["top_freq_ct"] = self._scalar(top_frequency_query(self._class_value_counts(column)))

    def _class_value_counts(self, column: ColumnProfile) -> exp.Expression:
        """The value counts (v, n) of the column's hash class, as a subquery."""
        reference = self._column_expr(column)
        in_class = in_hash_class(reference, self.caps.row_hash, self.class_factor)
        return value_counts(self.source, reference).where(in_class, append=True).subquery("vc")

    def _materialized_counts(
        self, column: ColumnProfile, reference: exp.Column, index: int
    ) -> exp.Expression:
        """Group the column once, materialize its value counts in the engine and remember them."""
        name = f"__lakerun_vc_{id(self)}_{index}"
        materialize(self.engine, name, value_counts(self.source, reference))
        self._counts[column.column_name] = exp.to_table(name)
        return self._counts[column.column_name]

    def _counts_for(self, column: ColumnProfile) -> exp.Expression:
        """The column's value counts: materialized ones if any, else a grouped subquery."""
        return self._counts.get(column.column_name) or counts_of(self.source, self._column_expr(column))

    def _frequencies(self, column: ColumnProfile) -> None:
        """Top values, patterns and the top frequency where the aggregates say they are worth it."""
        distinct, value_ct = column.number("distinct_value_ct"), column.number("value_ct")
        low, high = self.options.pattern_lengths
        sampled_rows = "text_sample_ratio" in column.metrics and column.column_name not in self._counts
        reference = self._column_expr(column)
        counts = counts_of(self._text_sample(column), reference) if sampled_rows else self._counts_for(column)
        try:
            if column.general_type == "B" and "boolean_true_ct" in column.metrics:
                if distinct > 0:
                    self._boolean_top_values(column)
            elif column.general_type in "AB" and 0 < distinct <= self.options.top_values_max_distinct:
                rows = self.engine.query(top_values_query(counts, self.options.top_n)).to_pylist()
                column.top_values = [(str(r["v"]), int(r["n"])) for r in rows]
                column.metrics["top_freq_ct"] = column.top_values[0][1] if column.top_values else 0
            if column.general_type == "A" and low <= column.number("max_length") <= high:
                self._patterns(column, counts)
            elif column.general_type == "A" and "top_freq_sample_ratio" in column.metrics:
                pass  # measured on the hash class with the text metrics
            elif column.general_type == "A" and distinct > self.options.top_values_max_distinct:
                exact_unique = column.metrics.get("distinct_is_exact") and distinct >= value_ct
                column.metrics["top_freq_ct"] = (
                    1 if exact_unique else self._scalar(self._top_frequency(column, counts))
                )
                if column.metrics["top_freq_ct"] == 1:  # no value repeats: the distinct count is exact
                    column.metrics["distinct_value_ct"] = int(value_ct)
                    column.metrics["distinct_is_exact"] = 1
        except EngineError as error:
            column.query_error = str(error).splitlines()[0]

    def _boolean_top_values(self, column: ColumnProfile) -> None:
        """A boolean's top values from its scanned true and false counts (what grouping it would return:
        most frequent first, ties in text order), with no further query."""
        counted = [
            ("false", int(column.number("boolean_false_ct"))),
            ("true", int(column.number("boolean_true_ct"))),
        ]
        present = [(value, n) for value, n in counted if n > 0]
        column.top_values = sorted(present, key=lambda pair: (-pair[1], pair[0]))[: self.options.top_n]
        column.metrics["top_freq_ct"] = column.top_values[0][1] if column.top_values else 0

    def _top_frequency(self, column: ColumnProfile, counts: exp.Expression) -> exp.Select:
        """The top-frequency query: over materialized counts, else by hash where the engine has one."""
        if column.column_name in self._counts or not self.caps.row_hash:
            return top_frequency_query(counts)
        return hashed_top_frequency_query(self.source, self._column_expr(column), self.caps.row_hash)

    def _patterns(self, column: ColumnProfile, counts: exp.Expression) -> None:
        """Top-5 character-class masks and the distinct pattern count, on a sample of distinct values when
        there are many (counts scaled back, the share of values seen kept as `pattern_sample_ratio`)."""
        distinct = column.number("distinct_value_ct")
        sampled = distinct > PATTERN_SAMPLE_DISTINCT and isinstance(counts, exp.Table)
        source = sampled_counts(counts, 100 * PATTERN_SAMPLE_DISTINCT / distinct, SEED) if sampled else counts
        rows = self.engine.query(pattern_query(source, 5)).to_pylist()
        seen = float(rows[0]["counted_n"]) if rows else 0.0
        partial = sampled or "text_sample_ratio" in column.metrics  # a sample or the hash class
        scale = column.number("value_ct") / seen if partial and seen else 1.0
        column.top_patterns = [(str(r["pattern"]), round(int(r["n"]) * scale)) for r in rows]
        column.metrics["distinct_pattern_ct"] = int(rows[0]["distinct_pattern_ct"]) if rows else 0
        column.metrics["pattern_sample_ratio"] = round(1 / scale, 6) if scale else 1.0
        if "top_freq_ct" not in column.metrics:
            column.metrics["top_freq_ct"] = (
                self._scalar(top_frequency_query(counts))
                if sampled
                else (int(rows[0]["top_freq_ct"]) if rows else 0)
            )

    def _duplicates(self, record_ct: int) -> int | None:
        """Rows that repeat another row entirely (None when not counted or when it failed)."""
        if not self.options.count_duplicate_rows or record_ct == 0:
            return 0 if record_ct == 0 else None
        with self.timer.phase("duplicate_rows"):
            try:
                return duplicate_rows(self.engine, self.source, self.columns, self.caps, record_ct)
            except EngineError:
                return None

    def _scalar(self, query: exp.Expression) -> int:
        """The single integer a query returns."""
        return scalar(self.engine, query)


def _expression(query: exp.Query) -> exp.Expression:
    """A query as the expression the engine port takes."""
    assert isinstance(query, exp.Expression)
    return query


def _integral(column: ColumnProfile) -> bool:
    """Whether the column's type holds only whole numbers (an integer type)."""
    return column.general_type == "N" and column.db_data_type.startswith(("int", "uint"))


def _store(column: ColumnProfile, name: str, value: Any) -> None:
    """Put one raw result into the column's metrics, unpacking quantile lists and dates."""
    if name == "percentiles":
        values = list(value) if value is not None else [None] * len(QUANTILE_NAMES)
        for quantile_name, quantile in zip(QUANTILE_NAMES, values, strict=False):
            column.metrics[quantile_name] = None if quantile is None else float(quantile)
        return
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    elif isinstance(value, decimal.Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    column.metrics[name] = value
