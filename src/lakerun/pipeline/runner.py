"""The pipeline facade used by the CLI, the task entry point and the control plane.

It reads what a plan needs from the outside world (source columns, stored watermarks), builds plans
with the pure builder, and hands them to the evaluator. A dry run stops after planning, which
already proves that every source exists and every column named by the config is there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from lakerun.engines import delta_io
from lakerun.engines.io_errors import SourceMissingError, TableIOError
from lakerun.engines.sql import SqlEngine
from lakerun.pipeline import secrets
from lakerun.pipeline.builder import build_layer_plan, sink_plan, source_plan
from lakerun.pipeline.config.base import LayerName
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.config.loader import LoadedPipeline
from lakerun.pipeline.errors import ConfigError, PlanError
from lakerun.pipeline.evaluator import PlanEvaluator, open_source
from lakerun.pipeline.plan import WATERMARK_KEY, LayerPlan
from lakerun.pipeline.report import LayerResult, Progress

FORCE_DRY_RUN_VARIABLES = ("LAKERUN_FORCE_DRY_RUN", "PRODI_FORCE_DRY_RUN")


def dry_run_forced() -> bool:
    """Whether the environment forces a dry run (`LAKERUN_FORCE_DRY_RUN=1`, or seed 003's variable)."""
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in FORCE_DRY_RUN_VARIABLES
    )


@dataclass
class PipelineRunner:
    """Plans and runs the layers of one loaded pipeline."""

    loaded: LoadedPipeline
    secret_getter: secrets.SecretGetter = secrets.default_getter
    planned_outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def config(self) -> PipelineConfig:
        """The validated pipeline config."""
        return self.loaded.config

    def layers(self, selection: str | Sequence[str] | None = None) -> list[LayerName]:
        """The layers to act on, in run order: all of them, or the named ones (`all` means every layer)."""
        ordered = self.loaded.config.ordered_layers()
        names = [selection] if isinstance(selection, str) else list(selection or [])
        if not names or names == ["all"]:
            return ordered
        unknown = [name for name in names if name not in ordered]
        if unknown:
            raise ConfigError(f"unknown layer {', '.join(unknown)}; this pipeline has: {', '.join(ordered)}")
        return [name for name in ordered if name in names]

    def _input_columns(self, layer: LayerName) -> list[str]:
        """The columns a layer reads: its upstream's planned output when that was just planned, else the source's."""
        source = source_plan(self.loaded.config, layer)
        if source.upstream_layer in self.planned_outputs:
            return list(self.planned_outputs[source.upstream_layer])
        try:
            dataset = open_source(source, self.secret_getter)
        except SourceMissingError as exc:
            raise PlanError(f"layers.{layer}.source: {exc}") from None
        return list(dataset.schema.names)

    def _stored_watermark(self, layer: LayerName) -> str | None:
        sink_config = self.loaded.config.layers[layer].sink
        if sink_config.watermark is None:
            return None
        sink = sink_plan(sink_config, self.loaded.config.warehouse)
        options = secrets.resolve_options(sink.options, self.secret_getter)
        try:
            return delta_io.commit_metadata_value(sink.uri, WATERMARK_KEY, options)
        except TableIOError as exc:
            raise PlanError(f"layers.{layer}.sink: cannot read the watermark: {exc}") from None

    def plan(self, layer: LayerName) -> LayerPlan:
        """The plan of one layer, built against its source's real columns and stored watermark."""
        plan = build_layer_plan(
            self.loaded.config,
            layer,
            self._input_columns(layer),
            config_hash=self.loaded.config_hash,
            watermark_value=self._stored_watermark(layer),
        )
        self.planned_outputs[layer] = plan.output_columns
        return plan

    def plan_all(self, selection: str | Sequence[str] | None = None) -> list[LayerPlan]:
        """Plans of the selected layers in order; a layer whose upstream table is not written yet is
        checked against the upstream plan's output columns."""
        return [self.plan(layer) for layer in self.layers(selection)]

    def run(self, layer: LayerName, engine: SqlEngine, progress: Progress | None = None) -> LayerResult:
        """Plan and evaluate one layer."""
        plan = self.plan(layer)
        return PlanEvaluator(engine, secret_getter=self.secret_getter).evaluate(plan, progress)

    def run_all(
        self,
        engine: SqlEngine,
        selection: str | Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> list[LayerResult]:
        """Run the selected layers in order on one engine; the first failure stops the rest."""
        return [self.run(layer, engine, progress) for layer in self.layers(selection)]
