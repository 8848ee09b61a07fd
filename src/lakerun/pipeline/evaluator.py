"""Executing a table plan on a SQL engine: register the inputs, flag expectations, split, write Delta.

All expectations are evaluated in one pass into a materialized view; counts, kept rows and
quarantined rows are read from it. Everything that can refuse the batch (a `fail` expectation,
duplicate merge keys) is decided before the first write. The quarantine rows carry the sink version
their batch commits as; a batch cut short between the two commits leaves rows the next run deletes
before it writes, so a crash at any point never duplicates a row. A table whose definition and inputs
are unchanged since its last commit is skipped without reading a row.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from lakerun.engines import database_source
from lakerun.engines.file_sources import delta_dataset, open_dataset
from lakerun.engines.sql import SqlEngine, load, materialize, sql_text, stream
from lakerun.pipeline import faults, secrets
from lakerun.pipeline.errors import ExpectationFailedError, PlanError
from lakerun.pipeline.fingerprint import input_fingerprint, is_current
from lakerun.pipeline.plan import (
    BATCH_COLUMN,
    FLAGGED_PREFIX,
    FLAGGED_VIEW,
    INPUTS_KEY,
    SOURCE_MARK_PREFIX,
    TABLE_VERSION_KEY,
    WATERMARK_KEY,
    SourcePlan,
    TablePlan,
)
from lakerun.pipeline.report import ExpectationOutcome, LayerResult, Progress, SilentProgress
from lakerun.pipeline.writer import PREDICATE_DIALECT, DeltaRsWriter, TableWriter


def open_source(source: SourcePlan, secret_getter: secrets.SecretGetter = secrets.default_getter) -> Any:
    """The source's rows as a lazy Arrow dataset (a stream of Arrow batches for a database), its secret
    references resolved just for the open."""
    options = secrets.resolve_options(source.options, secret_getter)
    if source.kind == "database":
        return database_source.read_rows(secrets.resolve(source.uri, secret_getter), source.database_query())
    if source.kind == "table":
        return delta_dataset(source.uri, options, source.version)
    return open_dataset(
        source.uri, source.format, options, infer_types=source.infer_types, delimiter=source.delimiter
    )


def source_schema(source: SourcePlan, secret_getter: secrets.SecretGetter = secrets.default_getter) -> Any:
    """The source's Arrow schema (a database is asked for its columns without reading a row)."""
    if source.kind == "database":
        url = secrets.resolve(source.uri, secret_getter)
        return database_source.read_schema(url, source.database_query())
    return open_source(source, secret_getter).schema


class PlanEvaluator:
    """Runs table plans on one engine, writing through one table writer."""

    def __init__(
        self,
        engine: SqlEngine,
        writer: TableWriter | None = None,
        secret_getter: secrets.SecretGetter = secrets.default_getter,
    ) -> None:
        self.engine = engine
        self.secret_getter = secret_getter
        self.writer = writer or DeltaRsWriter(secret_getter)
        self.readers: Counter[str] = Counter()
        self.retained: dict[str, exp.Query] = {}
        self.source_marks: dict[str, str] = {}

    def expect_readers(self, plans: Sequence[TablePlan]) -> None:
        """Announce the plans about to run: a table whose batch is the whole table (overwritten, or just
        created) and that later ones read stays in the engine, and they read it from there, not Delta."""
        self.readers = Counter(up for plan in plans for up in plan.upstream_tables)
        self.retained = {}

    def _scalar_row(self, query: Any) -> dict[str, Any]:
        rows = self.engine.query(sql_text(query, self.engine.dialect)).to_pylist()
        return rows[0] if rows else {}

    def evaluate(
        self, plan: TablePlan, progress: Progress | None = None, results: list[LayerResult] | None = None
    ) -> LayerResult:
        """Run the plan; the result (appended to `results` too) says how it ended, and errors propagate."""
        listener = progress or SilentProgress()
        started = time.monotonic()
        result = LayerResult(
            pipeline=plan.pipeline,
            layer=plan.layer,
            name=plan.name,
            engine=self.engine.dialect,
            config_hash=plan.config_hash,
            table=plan.sink.table_name or plan.sink.uri,
            refresh=plan.refresh.kind,
        )
        if results is not None:
            results.append(result)
        try:
            self._run(plan, result, listener)
        except Exception as exc:
            result.status = "FAILED"
            result.error = str(exc)
            raise
        finally:
            result.duration_seconds = round(time.monotonic() - started, 3)
            listener.finished(result)
            self._release_inputs(plan)
        return result

    def _run(self, plan: TablePlan, result: LayerResult, progress: Progress) -> None:
        progress.stage(plan.layer, f"{plan.name}: checking inputs", 0.0)
        fingerprint = input_fingerprint(plan, self.secret_getter)
        if self._up_to_date(plan, fingerprint, result):
            return
        swaps = self._retained_inputs(plan)
        self.source_marks = {}
        for item in plan.inputs:
            if item.name not in swaps:
                self._register(item.name, item.source)
        progress.stage(plan.layer, f"{plan.name}: transforming and checking expectations", 0.3)
        materialize(self.engine, self._view(plan), _reading(plan.flagged_query(), swaps))
        counts = self._scalar_row(plan.counts_query(self._view(plan)))
        self._record_counts(plan, counts, result)
        self._refuse_duplicate_keys(plan)
        watermark = counts.get("watermark")
        result.watermark = (
            plan.watermark_value if watermark is None or plan.refresh.backfill else str(watermark)
        )
        if result.rows_in == 0 and plan.sink.mode != "overwrite" and not plan.refresh.backfill:
            result.table_version = self.writer.current_version(plan.sink)
            return
        progress.stage(plan.layer, f"{plan.name}: writing", 0.7)
        self._note_new_columns(plan, result)
        batch = self._next_version(plan)
        self._write_quarantine(plan, result, batch)
        faults.reached(plan.name, "after_quarantine")
        self._write_sink(plan, result, fingerprint, batch)
        faults.reached(plan.name, "after_table")

    def _up_to_date(self, plan: TablePlan, fingerprint: str, result: LayerResult) -> bool:
        if not is_current(plan, fingerprint, self.writer):
            return False
        result.skipped = True
        result.table_version = self.writer.current_version(plan.sink)
        result.watermark = plan.watermark_value
        return True

    def _retained_inputs(self, plan: TablePlan) -> dict[str, exp.Query]:
        return {
            item.name: self.retained[item.source.upstream_table]
            for item in plan.inputs
            if item.source.upstream_table in self.retained and item.source.version is None
        }

    def _release_inputs(self, plan: TablePlan) -> None:
        """Free this table's engine rows unless later tables read them, and those of the upstream
        tables whose last reader this was."""
        for upstream in plan.upstream_tables:
            self.readers[upstream] -= 1
            if self.readers[upstream] <= 0 and self.retained.pop(upstream, None) is not None:
                self._free(FLAGGED_PREFIX + upstream)
        if plan.name not in self.retained and self._view(plan) != FLAGGED_VIEW:
            self._free(self._view(plan))
        release = getattr(self.engine, "release", None)
        for item in plan.inputs:
            if item.source.kind == "database" and callable(release):
                release(item.name)

    def _view(self, plan: TablePlan) -> str:
        """Where the table's flagged rows live: its own engine table when later tables may read them."""
        return FLAGGED_PREFIX + plan.name if self.readers[plan.name] > 0 else FLAGGED_VIEW

    def _free(self, view: str) -> None:
        materialize(self.engine, view, exp.select(exp.Literal.number(0).as_("released")))

    def _register(self, name: str, source: SourcePlan) -> None:
        """Expose an input as the view `name`: read natively when the engine can, else as an Arrow dataset
        (a database's rows streamed into an engine table, noting the highest watermark read)."""
        native = getattr(self.engine, "register_files", None)
        if source.kind == "database":
            rows = open_source(source, self.secret_getter)
            load(self.engine, name, rows.reader())
            self.source_marks[name] = rows.high_watermark() or source.since or ""
            return
        if not callable(native):
            self.engine.register(name, open_source(source, self.secret_getter))
            return
        schema = open_source(source, self.secret_getter).schema if source.format == "csv" else None
        options = secrets.resolve_options(source.options, self.secret_getter)
        native(
            name,
            source.uri,
            source.format,
            options,
            arrow_schema=schema,
            version=source.version,
            delimiter=source.delimiter,
        )

    def _record_counts(self, plan: TablePlan, counts: dict[str, Any], result: LayerResult) -> None:
        result.expectations = [
            ExpectationOutcome(e.label, e.type, e.action, int(counts.get(f"v{i}") or 0))
            for i, e in enumerate(plan.expectations)
        ]
        removed = int(counts.get("removed") or 0)
        result.rows_in = int(counts.get("rows") or 0)
        result.rows_quarantined = int(counts.get("quarantined") or 0)
        result.rows_dropped = removed - result.rows_quarantined
        result.rows_out = result.rows_in - removed
        failing = [e for e in result.expectations if e.action == "fail" and e.failed_rows]
        if failing:
            detail = ", ".join(f"{e.name}: {e.failed_rows} rows" for e in failing)
            raise ExpectationFailedError(
                f"table {plan.name}: expectations with action `fail` failed ({detail}); nothing was written"
            )

    def _refuse_duplicate_keys(self, plan: TablePlan) -> None:
        query = plan.duplicate_keys_query(self._view(plan))
        if query is None:
            return
        rows = self.engine.query(sql_text(query, self.engine.dialect)).to_pylist()
        if rows:
            keys = ", ".join(plan.sink.keys)
            examples = "; ".join(
                ", ".join(f"{k}={row[k]!r}" for k in plan.sink.keys) + f" ({row['copies']} rows)"
                for row in rows
            )
            raise PlanError(
                f"table {plan.name}: merge key ({keys}) repeats within the batch ({examples}); "
                "deduplicate first (a `dedupe` step on the keys); nothing was written"
            )

    def _note_new_columns(self, plan: TablePlan, result: LayerResult) -> None:
        if plan.sink.mode == "overwrite" or plan.refresh.full:
            return
        existing = self.writer.columns(plan.sink)
        if existing is None:
            return
        added = [c for c in plan.output_columns if c not in existing]
        if added:
            result.warnings.append(
                f"new column(s) {', '.join(added)} added to {result.table} (earlier rows hold NULL)"
            )

    def _next_version(self, plan: TablePlan) -> int:
        current = self.writer.current_version(plan.sink)
        return 0 if current is None else current + 1

    def _write_quarantine(self, plan: TablePlan, result: LayerResult, batch: int) -> None:
        target = plan.quarantine
        query = plan.quarantine_query(batch, self._view(plan))
        if target is None or query is None:
            return
        if target.mode == "append":
            self._forget_unfinished_batch(plan, batch)
            if plan.range_predicate is not None:
                self.writer.delete_where(target, plan.range_predicate.sql(dialect=PREDICATE_DIALECT))
        replacing = target.mode == "overwrite" and self.writer.current_version(target) is not None
        if not result.rows_quarantined and not replacing:
            return
        metadata = {TABLE_VERSION_KEY: str(batch)}
        result.quarantine_version = self.writer.write(target, stream(self.engine, query), metadata)

    def _forget_unfinished_batch(self, plan: TablePlan, batch: int) -> None:
        """Delete quarantine rows of a batch whose sink commit never happened (a crash between the two)."""
        assert plan.quarantine is not None
        recorded = self.writer.last_metadata(plan.quarantine, TABLE_VERSION_KEY)
        if recorded is not None and int(recorded) >= batch:
            self.writer.delete_where(plan.quarantine, f'"{BATCH_COLUMN}" >= {batch}')

    def _write_sink(self, plan: TablePlan, result: LayerResult, fingerprint: str, batch: int) -> None:
        metadata = {INPUTS_KEY: fingerprint, TABLE_VERSION_KEY: str(batch)}
        metadata |= {SOURCE_MARK_PREFIX + name: mark for name, mark in self.source_marks.items() if mark}
        if plan.watermark_column and result.watermark:
            metadata[WATERMARK_KEY] = result.watermark
        replace = (
            None if plan.range_predicate is None else plan.range_predicate.sql(dialect=PREDICATE_DIALECT)
        )
        if replace is not None and plan.sink.mode == "merge":
            replace = None
        created = self.writer.current_version(plan.sink) is None
        data = stream(self.engine, plan.kept_query(self._view(plan)))
        result.table_version = self.writer.write(plan.sink, data, metadata, replace_where=replace)
        if self.readers[plan.name] > 0 and (plan.sink.mode == "overwrite" or created):
            self.retained[plan.name] = plan.kept_query(self._view(plan))


def _reading(query: exp.Query, swaps: Mapping[str, exp.Query]) -> exp.Query:
    """The query reading some inputs from rows already in the engine (the kept rows of their batch)."""
    if not swaps:
        return query

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and not node.db and node.name in swaps:
            alias = exp.TableAlias(this=exp.to_identifier(node.alias_or_name))
            return exp.Subquery(this=swaps[node.name].copy(), alias=alias)
        return node

    swapped = query.transform(swap)
    assert isinstance(swapped, exp.Query)
    return swapped
