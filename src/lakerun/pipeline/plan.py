"""The plan of a table: pure, frozen data (resolved inputs and sink, SQL, expectations, write mode).

The builder makes it without touching data; the evaluator executes it; `lakerun pipeline plan`
prints it. SQL is held as sqlglot expressions and rendered for any dialect on demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from lakerun.engines.database_source import DatabaseQuery, masked_url
from lakerun.pipeline import sql_checks

FLAGGED_VIEW = "__lakerun_flagged"
"""The engine table holding a table's transformed rows and violation flags (one at a time)."""
FLAGGED_PREFIX = "__lakerun_flagged_"
"""Prefix of the flagged rows of a table that later tables of the run may read."""
PLAN_DIALECTS = ("duckdb", "spark")
WATERMARK_KEY = "lakerun.watermark"
INPUTS_KEY = "lakerun.inputs"
SOURCE_MARK_PREFIX = "lakerun.source_watermark."
"""Commit metadata key (plus the input's name) holding the highest watermark read from a database input."""
TABLE_VERSION_KEY = "lakerun.table_version"
BATCH_COLUMN = "_lakerun_table_version"
"""Quarantine rows carry the sink version their batch commits as, so a batch cut short is recognised."""


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
    upstream_table: str | None = None
    query: str | None = None
    """A database source's query (kind `database`; `table_name` names its table otherwise)."""
    watermark: str | None = None
    """A database source's watermark column: only rows above `since` are read."""
    since: str | None = None
    """The highest watermark value the table's last commit read from this source."""

    def database_query(self) -> DatabaseQuery:
        """What a database source reads."""
        return DatabaseQuery(self.table_name, self.query, self.watermark, self.since)


@dataclass(frozen=True)
class InputPlan:
    """One input of a table: the view name its SQL reads and where the rows come from."""

    name: str
    source: SourcePlan
    columns: tuple[str, ...]


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
class Refresh:
    """How a run treats a table: incremental (default), a full refresh, or a backfill of a range."""

    full: bool = False
    backfill: tuple[str, str] | None = None

    @property
    def kind(self) -> str:
        """`incremental`, `full` or `backfill`."""
        return "full" if self.full else "backfill" if self.backfill else "incremental"


@dataclass(frozen=True)
class TablePlan:
    """Everything needed to run one table, decided before any row is read."""

    pipeline: str
    name: str
    layer: str
    config_hash: str
    definition_hash: str
    sql_dialect: str
    inputs: tuple[InputPlan, ...]
    transform: exp.Query
    output_columns: tuple[str, ...]
    output_types: tuple[tuple[str, str], ...]
    expectations: tuple[ExpectationPlan, ...]
    sink: SinkPlan
    quarantine: SinkPlan | None
    watermark_column: str | None = None
    watermark_value: str | None = None
    refresh: Refresh = field(default_factory=Refresh)
    range_predicate: exp.Expr | None = None
    """For a backfill: the rows of the sink (and quarantine) the batch replaces."""
    keys_unique: bool = True
    """The transform already makes the merge keys unique, so the batch needs no duplicate-key check."""

    @property
    def upstream_tables(self) -> list[str]:
        """The pipeline tables this one reads."""
        return [i.source.upstream_table for i in self.inputs if i.source.upstream_table]

    def indexes(self, *actions: str) -> list[int]:
        """Positions of the expectations with one of `actions`."""
        return [i for i, e in enumerate(self.expectations) if e.action in actions]

    def flagged_query(self) -> exp.Query:
        """The transformed rows with one violation flag per expectation."""
        return sql_checks.flagged_query(self.transform, [e.flag for e in self.expectations])

    def counts_query(self, view: str = FLAGGED_VIEW) -> exp.Query:
        """Rows, violations per expectation, removed and quarantined rows, and the new watermark."""
        query = sql_checks.counts_query(view, len(self.expectations))
        query = query.select(
            _count_if(sql_checks.any_flag(self.indexes("drop", "quarantine"))).as_("removed"),
            _count_if(sql_checks.any_flag(self.indexes("quarantine"))).as_("quarantined"),
        )
        if self.watermark_column:
            query = query.select(
                exp.Max(this=exp.column(self.watermark_column, quoted=True)).as_("watermark")
            )
        return query

    def kept_query(self, view: str = FLAGGED_VIEW) -> exp.Query:
        """The rows to write to the sink."""
        return sql_checks.kept_query(view, self.output_columns, self.indexes("drop", "quarantine"))

    def duplicate_keys_query(self, view: str = FLAGGED_VIEW) -> exp.Query | None:
        """Merge keys that occur more than once among the kept rows (a few examples), or None."""
        if self.sink.mode != "merge" or self.keys_unique:
            return None
        keys = [exp.column(k, quoted=True) for k in self.sink.keys]
        kept = exp.Subquery(this=self.kept_query(view), alias=exp.TableAlias(this=exp.to_identifier("kept")))
        count = exp.Count(this=exp.Star())
        return (
            exp.select(*keys, count.as_("copies"))
            .from_(kept)
            .group_by(*keys)
            .having(exp.GT(this=count.copy(), expression=exp.Literal.number(1)))
            .limit(3)
        )

    def quarantine_query(self, batch_version: int, view: str = FLAGGED_VIEW) -> exp.Query | None:
        """The rows to write to the quarantine table, with reasons and batch (None without quarantine checks)."""
        labelled = [(i, self.expectations[i].label) for i in self.indexes("quarantine")]
        if not labelled:
            return None
        query = sql_checks.quarantine_query(view, self.output_columns, labelled)
        return query.select(exp.Literal.number(batch_version).as_(BATCH_COLUMN))

    def types(self) -> dict[str, str]:
        """Output column name to SQL type (UNKNOWN where not inferred)."""
        return dict(self.output_types)

    def to_dict(self, dialects: Sequence[str] = PLAN_DIALECTS) -> dict[str, Any]:
        """The plan as JSON-ready data, SQL rendered for each dialect; secret references stay unresolved."""
        return {
            "pipeline": self.pipeline,
            "table": self.name,
            "layer": self.layer,
            "config_hash": self.config_hash,
            "inputs": {i.name: _source_dict(i.source) for i in self.inputs},
            "upstream": self.upstream_tables,
            "refresh": self.refresh.kind,
            "watermark": {"column": self.watermark_column, "value": self.watermark_value}
            if self.watermark_column
            else None,
            "sql": {d: self.transform.sql(dialect=d, pretty=True) for d in dialects},
            "output_columns": list(self.output_columns),
            "output_types": self.types(),
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
        "uri": masked_url(source.uri) if source.kind == "database" else source.uri,
        "format": source.format,
        "table": source.table_name,
        "version": source.version,
        "upstream_table": source.upstream_table,
        "options": sorted(source.options),
        **(
            {"query": source.query, "watermark": source.watermark, "since": source.since}
            if source.kind == "database"
            else {}
        ),
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


def lineage(plans: Sequence[TablePlan]) -> dict[str, list[str]]:
    """Data lineage: each table to its inputs (pipeline tables by name, sources by location)."""
    return {
        plan.name: [i.source.upstream_table or i.source.table_name or i.source.uri for i in plan.inputs]
        for plan in plans
    }
