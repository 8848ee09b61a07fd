"""Executing a layer plan on a SQL engine: register the source, flag expectations, split, write Delta.

All expectations are evaluated in one pass into a materialized view; counts, kept rows and
quarantined rows are read from it. A `fail` expectation stops the layer before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from lakerun.engines import delta_io
from lakerun.engines.file_sources import delta_dataset, open_dataset
from lakerun.engines.sql import SqlEngine, materialize, sql_text, stream
from lakerun.pipeline import secrets
from lakerun.pipeline.config.transforms import INPUT_VIEW
from lakerun.pipeline.errors import ExpectationFailedError
from lakerun.pipeline.plan import FLAGGED_VIEW, WATERMARK_KEY, LayerPlan, SinkPlan, SourcePlan
from lakerun.pipeline.report import ExpectationOutcome, LayerResult, Progress, SilentProgress


class TableWriter(Protocol):
    """Writes a layer's rows to its sink table and returns the committed table version."""

    def write(self, sink: SinkPlan, data: Any, metadata: Mapping[str, str]) -> int:
        """Write `data` (Arrow stream or table) according to the sink's mode."""

    def current_version(self, sink: SinkPlan) -> int | None:
        """The table's latest version, or None when it does not exist."""


class DeltaRsWriter:
    """Writes Delta tables with delta-rs (local disk, DBFS/Volumes mounts, S3, ADLS)."""

    def __init__(self, secret_getter: secrets.SecretGetter = secrets.default_getter) -> None:
        self.secret_getter = secret_getter

    def write(self, sink: SinkPlan, data: Any, metadata: Mapping[str, str]) -> int:
        """Overwrite, append or merge `data` into the sink table."""
        result = delta_io.write_table(
            sink.uri,
            data,
            mode=sink.mode,  # type: ignore[arg-type]
            keys=sink.keys,
            partition_by=sink.partition_by,
            options=secrets.resolve_options(sink.options, self.secret_getter),
            metadata=metadata,
        )
        return result.version

    def current_version(self, sink: SinkPlan) -> int | None:
        """The latest version of the sink table."""
        table = delta_io.open_table(sink.uri, secrets.resolve_options(sink.options, self.secret_getter))
        return None if table is None else table.version()


def open_source(source: SourcePlan, secret_getter: secrets.SecretGetter = secrets.default_getter) -> Any:
    """The source's rows as a lazy Arrow dataset, its secret references resolved just for the open."""
    options = secrets.resolve_options(source.options, secret_getter)
    if source.kind == "table":
        return delta_dataset(source.uri, options, source.version)
    return open_dataset(
        source.uri, source.format, options, infer_types=source.infer_types, delimiter=source.delimiter
    )


class PlanEvaluator:
    """Runs layer plans on one engine, writing through one table writer."""

    def __init__(
        self,
        engine: SqlEngine,
        writer: TableWriter | None = None,
        secret_getter: secrets.SecretGetter = secrets.default_getter,
    ) -> None:
        self.engine = engine
        self.secret_getter = secret_getter
        self.writer = writer or DeltaRsWriter(secret_getter)

    def _scalar_row(self, query: Any) -> dict[str, Any]:
        rows = self.engine.query(sql_text(query, self.engine.dialect)).to_pylist()
        return rows[0] if rows else {}

    def evaluate(self, plan: LayerPlan, progress: Progress | None = None) -> LayerResult:
        """Run the plan; on failure the result says so and the error propagates."""
        listener = progress or SilentProgress()
        started = time.monotonic()
        result = LayerResult(
            pipeline=plan.pipeline,
            layer=plan.layer,
            engine=self.engine.dialect,
            config_hash=plan.config_hash,
            table=plan.sink.table_name or plan.sink.uri,
        )
        try:
            self._run(plan, result, listener)
        except Exception as exc:
            result.status = "FAILED"
            result.error = str(exc)
            raise
        finally:
            result.duration_seconds = round(time.monotonic() - started, 3)
            listener.finished(result)
        return result

    def _run(self, plan: LayerPlan, result: LayerResult, progress: Progress) -> None:
        progress.stage(plan.layer, "reading source", 0.0)
        self._register_source(plan.source)
        read = self._scalar_row(plan.rows_read_query())
        result.rows_in = int(read.get("rows") or 0)
        watermark = read.get("watermark")
        result.watermark = plan.watermark_value if watermark is None else str(watermark)
        progress.stage(plan.layer, "transforming and checking expectations", 0.3)
        materialize(self.engine, FLAGGED_VIEW, plan.flagged_query())
        counts = self._scalar_row(plan.counts_query())
        self._record_counts(plan, counts, result)
        progress.stage(plan.layer, "writing", 0.7)
        self._write_quarantine(plan, result)
        self._write_sink(plan, result)

    def _register_source(self, source: SourcePlan) -> None:
        """Expose the source as `input_data`: read natively when the engine can, else as an Arrow dataset."""
        native = getattr(self.engine, "register_files", None)
        if not callable(native):
            self.engine.register(INPUT_VIEW, open_source(source, self.secret_getter))
            return
        schema = open_source(source, self.secret_getter).schema if source.format == "csv" else None
        options = secrets.resolve_options(source.options, self.secret_getter)
        native(
            INPUT_VIEW,
            source.uri,
            source.format,
            options,
            arrow_schema=schema,
            version=source.version,
            delimiter=source.delimiter,
        )

    def _record_counts(self, plan: LayerPlan, counts: dict[str, Any], result: LayerResult) -> None:
        result.expectations = [
            ExpectationOutcome(e.label, e.type, e.action, int(counts.get(f"v{i}") or 0))
            for i, e in enumerate(plan.expectations)
        ]
        removed = int(counts.get("removed") or 0)
        result.rows_quarantined = int(counts.get("quarantined") or 0)
        result.rows_dropped = removed - result.rows_quarantined
        result.rows_out = int(counts.get("rows") or 0) - removed
        failing = [e for e in result.expectations if e.action == "fail" and e.failed_rows]
        if failing:
            detail = ", ".join(f"{e.name}: {e.failed_rows} rows" for e in failing)
            raise ExpectationFailedError(
                f"layer {plan.layer}: expectations with action `fail` failed ({detail})"
            )

    def _write_quarantine(self, plan: LayerPlan, result: LayerResult) -> None:
        query = plan.quarantine_query()
        if plan.quarantine is None or query is None or not result.rows_quarantined:
            return
        data = stream(self.engine, query)
        result.quarantine_version = self.writer.write(plan.quarantine, data, {})

    def _write_sink(self, plan: LayerPlan, result: LayerResult) -> None:
        metadata = {WATERMARK_KEY: result.watermark} if plan.watermark_column and result.watermark else {}
        if result.rows_in == 0 and plan.sink.mode != "overwrite":
            result.table_version = self.writer.current_version(plan.sink)
            return
        result.table_version = self.writer.write(plan.sink, stream(self.engine, plan.kept_query()), metadata)
