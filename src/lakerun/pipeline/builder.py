"""Config to plan, with no I/O: given each input's columns and types (and the stored watermark), build
a table's plan.

Column and type checks happen here: every step, expectation and key must name columns that exist at
that point, SQL must read only the table's inputs and call known functions, so a dry run catches a
typo before any data is read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlglot import exp

from lakerun.pipeline import column_types, sql_checks, sql_lint
from lakerun.pipeline.config.expectations import Range, Regex, Unique, expectation_label
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.config.sinks import DeltaSink
from lakerun.pipeline.config.sources import DatabaseSource, FileSource, TableSource
from lakerun.pipeline.config.tables import Input, TableConfig
from lakerun.pipeline.config.transforms import CastStep, DedupeStep, DeriveStep, RenameStep, SqlStep
from lakerun.pipeline.errors import PlanError
from lakerun.pipeline.plan import ExpectationPlan, InputPlan, Refresh, SinkPlan, SourcePlan, TablePlan
from lakerun.pipeline.sql_steps import Relation, build_steps, check_columns, query_over, start
from lakerun.pipeline.tables import is_three_level_name, quarantine_name, table_location


@dataclass(frozen=True)
class InputShape:
    """The columns of one input and their SQL types."""

    columns: tuple[str, ...]
    types: Mapping[str, str]


def sink_plan(sink: DeltaSink, warehouse: str, refresh: Refresh = Refresh()) -> SinkPlan:
    """Where and how a sink writes (a full refresh overwrites, schema included)."""
    name = sink.table or sink.path or ""
    return SinkPlan(
        uri=table_location(name, warehouse),
        mode="overwrite" if refresh.full else sink.mode,
        table_name=sink.table,
        keys=tuple(sink.keys),
        partition_by=tuple(sink.partition_by),
        options=dict(sink.options),
    )


def quarantine_plan(
    table: TableConfig, sink: DeltaSink, warehouse: str, refresh: Refresh = Refresh()
) -> SinkPlan | None:
    """The quarantine table, when an expectation quarantines; it is replaced whenever the sink is."""
    if not any(e.action == "quarantine" for e in table.expectations):
        return None
    name = table.quarantine_table or quarantine_name(sink.table or sink.path or "")
    replaced = refresh.full or sink.mode == "overwrite"
    return SinkPlan(
        uri=table_location(name, warehouse),
        mode="overwrite" if replaced else "append",
        table_name=name if is_three_level_name(name) else None,
        options=dict(sink.options),
    )


def source_plan(config: PipelineConfig, spec: Input) -> SourcePlan:
    """An input resolved: files, a Delta table, or another table's sink."""
    if isinstance(spec, FileSource):
        return SourcePlan(
            kind="files",
            uri=spec.path,
            format=spec.format,
            options=dict(spec.options),
            infer_types=spec.infer_types,
            delimiter=spec.delimiter,
        )
    if isinstance(spec, DatabaseSource):
        return SourcePlan(
            kind="database",
            uri=spec.url,
            format="postgres",
            table_name=spec.table,
            query=spec.query,
            watermark=spec.watermark,
        )
    if isinstance(spec, TableSource):
        return SourcePlan(
            kind="table",
            uri=table_location(spec.table, config.warehouse),
            format="delta",
            options=dict(spec.options),
            version=spec.version,
            table_name=spec.table if is_three_level_name(spec.table) else None,
        )
    sink = sink_plan(config.sink_of(spec), config.warehouse)
    return SourcePlan(
        kind="table",
        uri=sink.uri,
        format="delta",
        options=dict(sink.options),
        table_name=sink.table_name,
        upstream_table=spec,
    )


def definition_hash(config: PipelineConfig, name: str) -> str:
    """A hash of what decides a table's content besides its inputs' data (its config, dialect, warehouse)."""
    body = {
        "table": config.tables[name].model_dump(mode="json"),
        "dialect": config.sql_dialect,
        "warehouse": config.warehouse,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def _typed_literal(value: str, type_text: str) -> exp.Expr:
    data_type = column_types.parsed(type_text)
    literal = exp.Literal.string(value)
    return literal if data_type is None else exp.Cast(this=literal, to=data_type)


def _watermark_column(
    sink: DeltaSink, types: Mapping[str, str], columns: Sequence[str], where: str
) -> str | None:
    if sink.watermark is None:
        return None
    column = sink.watermark.column
    check_columns(exp.column(column), columns, where)
    type_text = types.get(column, column_types.UNKNOWN)
    if column_types.is_text(type_text):
        raise PlanError(
            f"{where}: watermark column `{column}` is text after the transform, so it would compare as "
            f"text (`2014-5-01` > `2014-06-01`); cast it to a date, timestamp or number first"
        )
    return column


def _incremental(
    relation: Relation, column: str | None, types: Mapping[str, str], stored: str | None, refresh: Refresh
) -> tuple[exp.Query, exp.Expr | None]:
    """The transformed rows past the watermark (or within the backfill range) and the range predicate."""
    if column is None or refresh.full or (stored is None and refresh.backfill is None):
        return relation.query, None
    col = exp.column(column, quoted=True)
    type_text = types.get(column, column_types.UNKNOWN)
    if refresh.backfill:
        low, high = refresh.backfill
        condition = exp.and_(
            exp.GTE(this=col.copy(), expression=_typed_literal(low, type_text)),
            exp.LTE(this=col.copy(), expression=_typed_literal(high, type_text)),
        )
        if stored is not None:
            condition = exp.and_(
                condition, exp.LTE(this=col.copy(), expression=_typed_literal(stored, type_text))
            )
        # delta-rs coerces a text literal to the column's own type (a CAST would pick another precision)
        in_range = exp.and_(
            exp.GTE(this=col.copy(), expression=exp.Literal.string(low)),
            exp.LTE(this=col.copy(), expression=exp.Literal.string(high)),
        )
    else:
        in_range = None
        condition = exp.GT(this=col, expression=_typed_literal(stored or "", type_text))
    incoming = exp.Subquery(this=relation.query, alias=exp.TableAlias(this=exp.to_identifier("incoming")))
    query = (
        exp.select(*[exp.column(c, quoted=True) for c in relation.columns]).from_(incoming).where(condition)
    )
    return query, in_range


def _expectations(
    table: TableConfig, columns: Sequence[str], types: Mapping[str, str], dialect: str, where: str
) -> tuple[ExpectationPlan, ...]:
    plans = []
    for index, check in enumerate(table.expectations):
        here = f"{where}[{index}] ({check.type})"
        flag = sql_checks.validate_check(check, columns, dialect, here)
        if isinstance(check, Unique) and _unique_by_steps(table, check.columns):
            flag = exp.false()
        if isinstance(check, Range) and column_types.is_text(types.get(check.column, "")):
            raise PlanError(
                f"{here}: `range` compares numbers, but column `{check.column}` is text; cast it first"
            )
        if isinstance(check, Regex):
            sql_lint.check_pattern(check.pattern, here)
        plans.append(
            ExpectationPlan(label=expectation_label(check), type=check.type, action=check.action, flag=flag)
        )
    return tuple(plans)


def _transformed(table: TableConfig, inputs: Mapping[str, InputShape], dialect: str, where: str) -> Relation:
    relations = {name: start(shape.columns, view=name) for name, shape in inputs.items()}
    schema = {name: dict(shape.types) for name, shape in inputs.items()}
    if table.transform.sql:
        relation = query_over(table.transform.sql, relations, schema, dialect, f"{where}.transform.sql")
    else:
        relation = next(iter(relations.values()))
    return build_steps(table.transform.steps, relation, dialect, f"{where}.transform.steps")


def _unique_by_steps(table: TableConfig, columns: Sequence[str]) -> bool:
    """Whether the steps make these columns unique: a dedupe on (some of) them with no later step that
    could repeat them (SQL, or a derive, cast or rename touching them)."""
    wanted = set(columns)
    for step in reversed(table.transform.steps):
        if isinstance(step, DedupeStep):
            return set(step.keys) <= wanted
        rewritten = set(step.columns) | set(step.columns.values()) if isinstance(step, RenameStep) else set()
        if isinstance(step, DeriveStep | CastStep):
            rewritten = set(step.columns)
        if isinstance(step, SqlStep) or rewritten & wanted:
            return False
    return False


def _keys_unique(table: TableConfig, keys: Sequence[str]) -> bool:
    """Whether the merge keys are unique in every batch: by the steps, or by a `unique` check on them
    that fails, drops or quarantines every duplicated row."""
    if not keys:
        return True
    checked = any(
        isinstance(c, Unique) and set(c.columns) <= set(keys) and c.action != "warn"
        for c in table.expectations
    )
    return checked or _unique_by_steps(table, keys)


def _check_sink_columns(sink: DeltaSink, columns: Sequence[str], where: str) -> None:
    for name in [*sink.keys, *sink.partition_by]:
        check_columns(exp.column(name), columns, where)


def _input_plans(
    config: PipelineConfig, name: str, inputs: Mapping[str, InputShape], marks: Mapping[str, str]
) -> tuple[InputPlan, ...]:
    """Each input resolved; a database input with a watermark reads from its last mark, into a table
    that keeps earlier rows."""
    plans = []
    for alias, spec in config.tables[name].inputs.items():
        source = source_plan(config, spec)
        if source.watermark:
            if config.sink_of(name).mode == "overwrite":
                raise PlanError(
                    f"tables.{name}.inputs.{alias}.watermark: reading only new rows needs the table's "
                    "`sink.mode` to be append or merge (overwrite would keep only the new rows)"
                )
            if source.watermark not in inputs[alias].columns:
                raise PlanError(
                    f"tables.{name}.inputs.{alias}.watermark: column `{source.watermark}` is not among "
                    f"the source's columns ({', '.join(inputs[alias].columns)})"
                )
            source = replace(source, since=marks.get(alias))
        plans.append(InputPlan(alias, source, inputs[alias].columns))
    return tuple(plans)


def build_table_plan(
    config: PipelineConfig,
    name: str,
    inputs: Mapping[str, InputShape],
    *,
    config_hash: str,
    watermark_value: str | None = None,
    refresh: Refresh = Refresh(),
    source_marks: Mapping[str, str] | None = None,
) -> TablePlan:
    """The plan of table `name` reading inputs of the given shapes; raises PlanError naming what is wrong.

    `source_marks` holds, by input name, the highest watermark the last commit read from a database input."""
    table = config.tables[name]
    sink = config.sink_of(name)
    where = f"tables.{name}" if config.layers is None else f"layers.{name}"
    relation = _transformed(table, inputs, config.sql_dialect, where)
    schema = {alias: dict(shape.types) for alias, shape in inputs.items()}
    types = {c: t for c, t in column_types.output_types(relation.query, schema, config.sql_dialect).items()}
    types = {column: types.get(column, column_types.UNKNOWN) for column in relation.columns}
    _check_sink_columns(sink, relation.columns, f"{where}.sink")
    column = _watermark_column(sink, types, relation.columns, f"{where}.sink.watermark")
    if refresh.backfill and column is None:
        raise PlanError(f"{where}: a backfill needs a `sink.watermark` column to select the range by")
    query, in_range = _incremental(relation, column, types, watermark_value, refresh)
    return TablePlan(
        pipeline=config.name,
        name=name,
        layer=table.layer,
        config_hash=config_hash,
        definition_hash=definition_hash(config, name),
        sql_dialect=config.sql_dialect,
        inputs=_input_plans(config, name, inputs, {} if refresh.full else dict(source_marks or {})),
        transform=query,
        output_columns=relation.columns,
        output_types=tuple(types.items()),
        expectations=_expectations(
            table, relation.columns, types, config.sql_dialect, f"{where}.expectations"
        ),
        sink=sink_plan(sink, config.warehouse, refresh),
        quarantine=quarantine_plan(table, sink, config.warehouse, refresh),
        watermark_column=column,
        watermark_value=None if refresh.full else watermark_value,
        refresh=refresh,
        range_predicate=in_range,
        keys_unique=_keys_unique(table, sink.keys),
    )
