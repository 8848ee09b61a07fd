"""The pipeline facade used by the CLI, the task entry point and the control plane.

It reads what plans need from the outside world (input schemas, stored watermarks), builds every
table's plan with the pure builder before anything runs, and hands the selected plans to the
evaluator. A dry run stops after planning, which already proves that every source exists and every
column, type, function and input named by the config is right.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from lakerun.engines.io_errors import SourceMissingError, TableIOError
from lakerun.engines.sql import SqlEngine
from lakerun.pipeline import secrets
from lakerun.pipeline.builder import InputShape, build_table_plan, sink_plan, source_plan
from lakerun.pipeline.column_types import schema_types
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.config.loader import LoadedPipeline
from lakerun.pipeline.config.sources import TableSource
from lakerun.pipeline.errors import ConfigError, PlanError
from lakerun.pipeline.evaluator import PlanEvaluator, source_schema
from lakerun.pipeline.plan import SOURCE_MARK_PREFIX, WATERMARK_KEY, Refresh, TablePlan
from lakerun.pipeline.report import LayerResult, Progress
from lakerun.pipeline.writer import DeltaRsWriter

FORCE_DRY_RUN_VARIABLE = "LAKERUN_FORCE_DRY_RUN"
ALL = "all"


def dry_run_forced() -> bool:
    """Whether the environment forces a dry run (`LAKERUN_FORCE_DRY_RUN=1`)."""
    return os.environ.get(FORCE_DRY_RUN_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class RefreshRequest:
    """Which tables a run rebuilds from scratch, and which one it backfills over a watermark range."""

    full_refresh: Sequence[str] = ()
    """Table or layer names (or `all`) to rebuild: stored watermarks ignored, tables overwritten."""
    backfill: tuple[str, str, str] | None = None
    """(table, start, end): reprocess the rows whose watermark column lies in [start, end]."""


@dataclass
class PipelineRunner:
    """Plans and runs the tables of one loaded pipeline."""

    loaded: LoadedPipeline
    secret_getter: secrets.SecretGetter = secrets.default_getter
    planned: dict[str, TablePlan] = field(default_factory=dict)

    @property
    def config(self) -> PipelineConfig:
        """The validated pipeline config."""
        return self.loaded.config

    def tables(self, selection: str | Sequence[str] | None = None) -> list[str]:
        """The tables to act on, in run order: all, or the named tables and the tables of the named layers."""
        ordered = self.config.ordered_tables()
        names = [selection] if isinstance(selection, str) else list(selection or [])
        if not names or ALL in names:
            return ordered
        layers = {self.config.tables[t].layer for t in ordered}
        unknown = [name for name in names if name not in ordered and name not in layers]
        if unknown:
            raise ConfigError(
                f"unknown table or layer {', '.join(unknown)}; tables: {', '.join(ordered)}; "
                f"layers: {', '.join(self.config.ordered_layers())}"
            )
        return [t for t in ordered if t in names or self.config.tables[t].layer in names]

    def _refresh(self, name: str, request: RefreshRequest) -> Refresh:
        full = set(self.tables(list(request.full_refresh))) if request.full_refresh else set()
        backfill = request.backfill
        if backfill is not None and backfill[0] not in self.config.tables:
            raise ConfigError(
                f"--backfill: unknown table `{backfill[0]}`; tables: {', '.join(self.config.tables)}"
            )
        window = (backfill[1], backfill[2]) if backfill is not None and backfill[0] == name else None
        return Refresh(full=name in full, backfill=window)

    def _input_shape(self, name: str, alias: str) -> InputShape:
        spec = self.config.tables[name].inputs[alias]
        producer = spec if isinstance(spec, str) else None
        if isinstance(spec, TableSource):
            producer = self.config.table_writing(spec.table)
        if producer is not None and producer in self.planned:
            upstream = self.planned[producer]
            return InputShape(upstream.output_columns, upstream.types())
        assert not isinstance(spec, str)
        try:
            schema = source_schema(source_plan(self.config, spec), self.secret_getter)
        except SourceMissingError as exc:
            where = "layers" if self.config.layers else "tables"
            raise PlanError(f"{where}.{name}.inputs.{alias}: {exc}") from None
        return InputShape(tuple(schema.names), schema_types(schema))

    def _stored_watermark(self, name: str, key: str = WATERMARK_KEY) -> str | None:
        sink = sink_plan(self.config.sink_of(name), self.config.warehouse)
        try:
            return DeltaRsWriter(self.secret_getter).last_metadata(sink, key)
        except TableIOError as exc:
            raise PlanError(f"tables.{name}.sink: cannot read the watermark: {exc}") from None

    def _source_marks(self, name: str) -> dict[str, str]:
        """The highest watermark the table's last commits read from each of its database inputs."""
        marks = {}
        for alias, spec in self.config.tables[name].inputs.items():
            if getattr(spec, "type", None) == "database" and getattr(spec, "watermark", None):
                mark = self._stored_watermark(name, SOURCE_MARK_PREFIX + alias)
                if mark:
                    marks[alias] = mark
        return marks

    def plan_all(
        self, selection: str | Sequence[str] | None = None, refresh: RefreshRequest | None = None
    ) -> list[TablePlan]:
        """Plans of every table in graph order (downstream ones checked against upstream plans, before any
        table exists); returns those of the selected tables."""
        request = refresh or RefreshRequest()
        selected = self.tables(selection)
        self.planned = {}
        for name in self.config.ordered_tables():
            inputs = {alias: self._input_shape(name, alias) for alias in self.config.tables[name].inputs}
            self.planned[name] = build_table_plan(
                self.config,
                name,
                inputs,
                config_hash=self.loaded.config_hash,
                watermark_value=self._stored_watermark(name)
                if self.config.sink_of(name).watermark is not None
                else None,
                refresh=self._refresh(name, request),
                source_marks=self._source_marks(name),
            )
        return [self.planned[name] for name in selected]

    def plan(self, name: str) -> TablePlan:
        """The plan of one table (or the first table of one layer)."""
        return self.plan_all([name])[0]

    def run_all(
        self,
        engine: SqlEngine,
        selection: str | Sequence[str] | None = None,
        progress: Progress | None = None,
        refresh: RefreshRequest | None = None,
        results: list[LayerResult] | None = None,
    ) -> list[LayerResult]:
        """Plan every table first (refusing to start when any plan fails), then run the selected ones in
        order; the first failure stops the rest. Results are appended to `results` as they start."""
        collected = results if results is not None else []
        plans = self.plan_all(selection, refresh)
        evaluator = PlanEvaluator(engine, secret_getter=self.secret_getter)
        evaluator.expect_readers(plans)
        for plan in plans:
            evaluator.evaluate(plan, progress, collected)
        return collected

    def run(self, name: str, engine: SqlEngine, progress: Progress | None = None) -> LayerResult:
        """Plan the pipeline and run one table (or the tables of one layer; the last result is returned)."""
        return self.run_all(engine, [name], progress)[-1]
