"""Config to plan, with no I/O: given the input columns (and stored watermark), build a layer's plan.

Column checks happen here: every step, expectation and key must name columns that exist at that
point, so a dry run catches a typo before any data is read.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from lakerun.pipeline import sql_checks
from lakerun.pipeline.config.base import LayerName
from lakerun.pipeline.config.expectations import expectation_label
from lakerun.pipeline.config.layers import LayerConfig, PipelineConfig
from lakerun.pipeline.config.sinks import DeltaSink
from lakerun.pipeline.config.sources import FileSource, LayerOutputSource, TableSource
from lakerun.pipeline.config.transforms import SqlStep
from lakerun.pipeline.errors import PlanError
from lakerun.pipeline.plan import ExpectationPlan, LayerPlan, SinkPlan, SourcePlan
from lakerun.pipeline.sql_steps import Relation, apply_step, build_steps, check_columns, start
from lakerun.pipeline.tables import is_three_level_name, quarantine_name, table_location


def sink_plan(sink: DeltaSink, warehouse: str) -> SinkPlan:
    """Where and how a sink writes."""
    name = sink.table or sink.path or ""
    return SinkPlan(
        uri=table_location(name, warehouse),
        mode=sink.mode,
        table_name=sink.table,
        keys=tuple(sink.keys),
        partition_by=tuple(sink.partition_by),
        options=dict(sink.options),
    )


def quarantine_plan(layer: LayerConfig, warehouse: str) -> SinkPlan | None:
    """The quarantine table of a layer, when one of its expectations quarantines."""
    if not any(e.action == "quarantine" for e in layer.expectations):
        return None
    name = layer.quarantine_table or quarantine_name(layer.sink.table or layer.sink.path or "")
    return SinkPlan(
        uri=table_location(name, warehouse),
        mode="append",
        table_name=name if is_three_level_name(name) else None,
        options=dict(layer.sink.options),
    )


def source_plan(config: PipelineConfig, layer: LayerName) -> SourcePlan:
    """A layer's resolved source; without one, the previous layer's sink."""
    source = config.layers[layer].source
    if source is None:
        upstream = config.upstream_of(layer)
        source = LayerOutputSource(type="layer", layer=upstream) if upstream else None
    if isinstance(source, FileSource):
        return SourcePlan(
            kind="files",
            uri=source.path,
            format=source.format,
            options=dict(source.options),
            infer_types=source.infer_types,
            delimiter=source.delimiter,
        )
    if isinstance(source, TableSource):
        return SourcePlan(
            kind="table",
            uri=table_location(source.table, config.warehouse),
            format="delta",
            options=dict(source.options),
            version=source.version,
            table_name=source.table if is_three_level_name(source.table) else None,
        )
    if isinstance(source, LayerOutputSource):
        sink = sink_plan(config.layers[source.layer].sink, config.warehouse)
        return SourcePlan(
            kind="table",
            uri=sink.uri,
            format="delta",
            options=dict(sink.options),
            table_name=sink.table_name,
            upstream_layer=source.layer,
        )
    raise PlanError(f"layers.{layer}.source: the first layer needs a source")


def _watermark_filter(
    column: str | None, value: str | None, columns: Sequence[str], where: str
) -> exp.Expr | None:
    if column is None:
        return None
    check_columns(exp.column(column), columns, where)
    if value is None:
        return None
    return exp.GT(this=exp.column(column, quoted=True), expression=exp.Literal.string(value))


def _expectations(
    layer: LayerConfig, columns: Sequence[str], dialect: str, where: str
) -> tuple[ExpectationPlan, ...]:
    plans = []
    for index, check in enumerate(layer.expectations):
        flag = sql_checks.validate_check(check, columns, dialect, f"{where}[{index}] ({check.type})")
        plans.append(
            ExpectationPlan(label=expectation_label(check), type=check.type, action=check.action, flag=flag)
        )
    return tuple(plans)


def _transformed(layer: LayerConfig, base: Relation, dialect: str, where: str) -> Relation:
    relation = base
    if layer.transform.sql:
        step = SqlStep(op="sql", query=layer.transform.sql)
        relation = apply_step(step, relation, dialect, f"{where}.transform.sql", "q")
    return build_steps(layer.transform.steps, relation, dialect, f"{where}.transform.steps")


def _check_sink_columns(sink: DeltaSink, columns: Sequence[str], where: str) -> None:
    for name in [*sink.keys, *sink.partition_by]:
        check_columns(exp.column(name), columns, where)


def build_layer_plan(
    config: PipelineConfig,
    layer: LayerName,
    input_columns: Sequence[str],
    *,
    config_hash: str,
    watermark_value: str | None = None,
) -> LayerPlan:
    """The plan of `layer` reading rows with `input_columns`; raises PlanError naming what is wrong."""
    layer_config = config.layers[layer]
    where = f"layers.{layer}"
    watermark = layer_config.sink.watermark
    column = watermark.column if watermark else None
    condition = _watermark_filter(column, watermark_value, input_columns, f"{where}.sink.watermark")
    base: Relation = start(input_columns, condition)
    relation = _transformed(layer_config, base, config.sql_dialect, where)
    _check_sink_columns(layer_config.sink, relation.columns, f"{where}.sink")
    return LayerPlan(
        pipeline=config.name,
        layer=layer,
        config_hash=config_hash,
        sql_dialect=config.sql_dialect,
        source=source_plan(config, layer),
        input_columns=tuple(input_columns),
        read_query=base.query,
        transform=relation.query,
        output_columns=relation.columns,
        expectations=_expectations(
            layer_config, relation.columns, config.sql_dialect, f"{where}.expectations"
        ),
        sink=sink_plan(layer_config.sink, config.warehouse),
        quarantine=quarantine_plan(layer_config, config.warehouse),
        watermark_column=column,
        watermark_value=watermark_value,
    )
