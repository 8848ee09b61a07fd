"""The plan of a layer: pure, frozen data (resolved source and sink, SQL, expectations, write mode).

The builder makes it without touching data; the evaluator executes it; `lakerun pipeline plan`
prints it. SQL is held as sqlglot expressions and rendered for any dialect on demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from lakerun.pipeline import sql_checks

FLAGGED_VIEW = "__lakerun_flagged"
PLAN_DIALECTS = ("duckdb", "spark")
WATERMARK_KEY = "lakerun.watermark"


@dataclass(frozen=True)
class SourcePlan:
    """A resolved source: Delta table or files, at a location, with its (unresolved) storage options."""

    kind: str
    uri: str
    format: str
    options: Mapping[str, str] = field(default_factory=dict)
    infer_types: bool = False
    delimiter: str = ","
    version: int | None = None
    table_name: str | None = None
    upstream_layer: str | None = None


@dataclass(frozen=True)
class SinkPlan:
    """A resolved Delta sink."""

    uri: str
    mode: str
    table_name: str | None = None
    keys: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectationPlan:
    """One expectation: its label, action and per-row violation flag."""

    label: str
    type: str
    action: str
    flag: exp.Expr


@dataclass(frozen=True)
class LayerPlan:
    """Everything needed to run one layer, decided before any row is read."""

    pipeline: str
    layer: str
    config_hash: str
    sql_dialect: str
    source: SourcePlan
    input_columns: tuple[str, ...]
    read_query: exp.Query
    transform: exp.Query
    output_columns: tuple[str, ...]
    expectations: tuple[ExpectationPlan, ...]
    sink: SinkPlan
    quarantine: SinkPlan | None
    watermark_column: str | None = None
    watermark_value: str | None = None

    def indexes(self, *actions: str) -> list[int]:
        """Positions of the expectations with one of `actions`."""
        return [i for i, e in enumerate(self.expectations) if e.action in actions]

    def flagged_query(self) -> exp.Query:
        """The transformed rows with one violation flag per expectation."""
        return sql_checks.flagged_query(self.transform, [e.flag for e in self.expectations])

    def counts_query(self) -> exp.Query:
        """Total rows, violations per expectation, removed rows and quarantined rows (flagged view)."""
        query = sql_checks.counts_query(FLAGGED_VIEW, len(self.expectations))
        return query.select(
            _count_if(sql_checks.any_flag(self.indexes("drop", "quarantine"))).as_("removed"),
            _count_if(sql_checks.any_flag(self.indexes("quarantine"))).as_("quarantined"),
        )

    def kept_query(self) -> exp.Query:
        """The rows to write to the sink."""
        return sql_checks.kept_query(FLAGGED_VIEW, self.output_columns, self.indexes("drop", "quarantine"))

    def quarantine_query(self) -> exp.Query | None:
        """The rows to write to the quarantine table, with reasons (None without quarantine checks)."""
        labelled = [(i, self.expectations[i].label) for i in self.indexes("quarantine")]
        return sql_checks.quarantine_query(FLAGGED_VIEW, self.output_columns, labelled) if labelled else None

    def rows_read_query(self) -> exp.Query:
        """Rows read this run and, with a watermark, the new watermark (max of its column)."""
        source = exp.Subquery(this=self.read_query, alias=exp.TableAlias(this=exp.to_identifier("read")))
        query = exp.select(exp.Count(this=exp.Star()).as_("rows")).from_(source)
        if self.watermark_column:
            query = query.select(
                exp.Max(this=exp.column(self.watermark_column, quoted=True)).as_("watermark")
            )
        return query

    def to_dict(self, dialects: Sequence[str] = PLAN_DIALECTS) -> dict[str, Any]:
        """The plan as JSON-ready data, SQL rendered for each dialect; secret references stay unresolved."""
        return {
            "pipeline": self.pipeline,
            "layer": self.layer,
            "config_hash": self.config_hash,
            "source": _source_dict(self.source),
            "input_columns": list(self.input_columns),
            "watermark": {"column": self.watermark_column, "value": self.watermark_value}
            if self.watermark_column
            else None,
            "sql": {d: self.transform.sql(dialect=d, pretty=True) for d in dialects},
            "output_columns": list(self.output_columns),
            "expectations": [
                {"name": e.label, "type": e.type, "action": e.action} for e in self.expectations
            ],
            "sink": _sink_dict(self.sink),
            "quarantine": _sink_dict(self.quarantine) if self.quarantine else None,
        }


def _count_if(condition: exp.Expr) -> exp.Expr:
    return exp.Sum(this=exp.If(this=condition, true=exp.Literal.number(1), false=exp.Literal.number(0)))


def _source_dict(source: SourcePlan) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "uri": source.uri,
        "format": source.format,
        "table": source.table_name,
        "version": source.version,
        "upstream_layer": source.upstream_layer,
        "options": sorted(source.options),
    }


def _sink_dict(sink: SinkPlan) -> dict[str, Any]:
    return {
        "uri": sink.uri,
        "table": sink.table_name,
        "mode": sink.mode,
        "keys": list(sink.keys),
        "partition_by": list(sink.partition_by),
        "options": sorted(sink.options),
    }
