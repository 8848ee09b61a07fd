"""The `_executor_metadata` store: create/validate the five tables, upsert and append rows, query them.

It runs on any `SqlEngine`: DuckDB (a local database file) or Spark SQL on Databricks (Delta tables in
`<catalog>._executor_metadata`). Writes are MERGEs on each table's key, so a re-run updates rows and
never duplicates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from lakerun.engines.arrow_rows import rows_table
from lakerun.engines.sql import EngineError, SqlEngine, register_once
from lakerun.errors import LakerunError
from lakerun.executor.schema import ALL_TABLES, BY_NAME, SCHEMA_NAME, SCHEMA_VERSION, TableDef, qualified

WRITE_CHUNK_ROWS = 5_000
_DELTA_DIALECTS = frozenset({"spark", "databricks"})


class StoreError(LakerunError):
    """The metadata store cannot be reached or written; the job must fail."""


@dataclass
class SchemaReport:
    """What validation found and did, in seed 000's `schema_validation` output shape."""

    schema_name: str
    schema_version: int = SCHEMA_VERSION
    tables_found: list[str] = field(default_factory=list)
    tables_missing: list[str] = field(default_factory=list)
    tables_created: list[str] = field(default_factory=list)
    columns_added: dict[str, list[str]] = field(default_factory=dict)
    column_drift: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def validation_status(self) -> str:
        """`valid`, `created` (something was created or added) or `drift` (differences remain)."""
        if self.column_drift:
            return "drift"
        if self.tables_created or self.columns_added:
            return "created"
        return "valid"

    def recommendations(self) -> list[str]:
        """What an operator should do about remaining drift."""
        notes = []
        for table, drift in self.column_drift.items():
            for column, change in drift.get("type_mismatches", {}).items():
                notes.append(
                    f"{self.schema_name}.{table}.{column} is {change['found']}, expected {change['expected']}"
                )
            for column in drift.get("extra_columns", []):
                notes.append(
                    f"{self.schema_name}.{table}.{column} is not in schema version {self.schema_version}"
                )
        return notes

    def as_result(self) -> dict[str, Any]:
        """The JSON result of the `schema_validation` job."""
        return {
            "schema_name": self.schema_name,
            "schema_version": self.schema_version,
            "validation_status": self.validation_status,
            "tables_found": self.tables_found,
            "tables_missing": self.tables_missing,
            "tables_created": self.tables_created,
            "columns_added": self.columns_added,
            "column_drift": self.column_drift,
            "recommendations": self.recommendations(),
        }


def _same_type(expected: pa.DataType, found: pa.DataType) -> bool:
    if pa.types.is_string(expected):
        return pa.types.is_string(found) or pa.types.is_large_string(found)
    if pa.types.is_timestamp(expected):
        return pa.types.is_timestamp(found)
    return bool(expected.equals(found))


class MetadataStore:
    """The five tables of `_executor_metadata` on one SQL engine."""

    def __init__(
        self, engine: SqlEngine, schema: str = SCHEMA_NAME, table_format: str | None = "auto"
    ) -> None:
        self.engine = engine
        self.schema = schema
        if table_format == "auto":
            table_format = "DELTA" if engine.dialect in _DELTA_DIALECTS else None
        self._table_format = table_format
        self._views = 0

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()

    def _run(self, statement: exp.Expression | str) -> pa.Table:
        try:
            return self.engine.query(statement)
        except EngineError as exc:
            raise StoreError(f"metadata store ({self.schema}) failed: {exc}") from exc

    def _columns_of(self, table: TableDef) -> pa.Schema | None:
        probe = exp.select("*").from_(qualified(self.schema, table.name)).limit(0)
        try:
            return self.engine.query(probe).schema
        except EngineError:
            return None

    def held(self) -> AbstractContextManager[Any]:
        """A block of statements on one connection, when the engine can hold one (the DuckDB file)."""
        hold = getattr(self.engine, "held", None)
        return hold() if callable(hold) else nullcontext()

    def validate(self, create: bool = True) -> SchemaReport:
        """Check the schema and its tables; create what is missing and add missing columns if asked."""
        with self.held():
            return self._validate(create)

    def _validate(self, create: bool) -> SchemaReport:
        report = SchemaReport(schema_name=self.schema)
        if create:
            self._run(exp.Create(this=_schema_ref(self.schema), kind="SCHEMA", exists=True))
        for table in ALL_TABLES:
            found = self._columns_of(table)
            if found is None:
                report.tables_missing.append(table.name)
                if create:
                    self._run(table.create(self.schema, self._table_format))
                    report.tables_created.append(table.name)
                continue
            report.tables_found.append(table.name)
            self._check_columns(table, found, create, report)
        return report

    def _check_columns(self, table: TableDef, found: pa.Schema, create: bool, report: SchemaReport) -> None:
        names = set(found.names)
        missing = [c for c in table.columns if c.name not in names]
        if create and missing:
            for column in missing:
                self._run(table.add_column(self.schema, column))
            report.columns_added[table.name] = [c.name for c in missing]
            missing = []
        drift: dict[str, Any] = {}
        if missing:
            drift["missing_columns"] = [c.name for c in missing]
        expected_names = {c.name for c in table.columns}
        extra = [name for name in found.names if name not in expected_names]
        if extra:
            drift["extra_columns"] = extra
        mismatches = {
            c.name: {"expected": c.type, "found": str(found.field(c.name).type)}
            for c in table.columns
            if c.name in names and not _same_type(c.arrow_type, found.field(c.name).type)
        }
        if mismatches:
            drift["type_mismatches"] = mismatches
        if drift:
            report.column_drift[table.name] = drift

    def _rows_table(
        self, table: TableDef, rows: Sequence[Mapping[str, Any]], names: Sequence[str]
    ) -> pa.Table:
        chosen = [c for c in table.columns if c.name in names]
        return rows_table(rows, pa.schema([(c.name, c.arrow_type) for c in chosen]))

    def merge_statement(self, table_name: str, view: str) -> str:
        """The MERGE that upserts rows from `view` into one table, in the engine's dialect."""
        table = BY_NAME[table_name]
        return _merge(self.schema, table, view, [c.name for c in table.columns], self.engine.dialect)

    def _register(self, data: pa.Table) -> str:
        self._views += 1
        name = f"__lakerun_rows_{self._views}"
        register_once(self.engine, name, data)
        return name

    def upsert(
        self, table_name: str, rows: Iterable[Mapping[str, Any]], only: Sequence[str] | None = None
    ) -> int:
        """Insert or update rows by the table's key (last row wins); `only` limits which columns are written."""
        table = BY_NAME[table_name]
        names = [c.name for c in table.columns if only is None or c.name in only or c.name in table.key]
        unique = {tuple(row[k] for k in table.key): row for row in rows}
        values = list(unique.values())
        with self.held():
            for start in range(0, len(values), WRITE_CHUNK_ROWS):
                view = self._register(
                    self._rows_table(table, values[start : start + WRITE_CHUNK_ROWS], names)
                )
                self._run(_merge(self.schema, table, view, names, self.engine.dialect))
        return len(values)

    def mark_missing(self, source_id: str, run_id: str) -> None:
        """Datasets of a source that a complete walk by `run_id` no longer found get status `missing`."""
        statement = exp.update(
            qualified(self.schema, "tables"),
            {"status": exp.Literal.string("missing")},
            where=exp.and_(
                exp.column("source_id").eq(exp.Literal.string(source_id)),
                exp.column("last_run_id").neq(exp.Literal.string(run_id)),
            ),
        )
        self._run(statement)

    def select(self, table_name: str, where: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of one table, optionally filtered by column equality."""
        query = exp.select("*").from_(qualified(self.schema, table_name))
        for column, value in (where or {}).items():
            query = query.where(exp.column(column).eq(exp.convert(value)))
        return self._run(query).to_pylist()

    def select_in(self, table_name: str, column: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows of one table whose `column` is one of `values`."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(values), WRITE_CHUNK_ROWS):
            chunk = [exp.convert(v) for v in values[start : start + WRITE_CHUNK_ROWS]]
            query = (
                exp.select("*")
                .from_(qualified(self.schema, table_name))
                .where(exp.column(column).isin(*chunk))
            )
            rows.extend(self._run(query).to_pylist())
        return rows

    def query(self, sql: str) -> pa.Table:
        """Run a read-only SQL statement written in the engine's dialect."""
        return self._run(sql)


def _schema_ref(schema: str) -> exp.Table:
    parts = schema.split(".")
    if len(parts) > 1:
        return exp.Table(this=exp.to_identifier(parts[-1]), db=exp.to_identifier(parts[0]))
    return exp.Table(this=exp.to_identifier(schema))


def _merge(schema: str, table: TableDef, view: str, columns: Sequence[str], dialect: str) -> str:
    target = qualified(schema, table.name).sql("duckdb")
    on = " AND ".join(f"t.{k} = s.{k}" for k in table.key)
    updates = ", ".join(f"{c} = s.{c}" for c in columns if c not in table.key)
    names = ", ".join(columns)
    values = ", ".join(f"s.{c}" for c in columns)
    text = (
        f"MERGE INTO {target} AS t USING {view} AS s ON {on} "
        f"WHEN MATCHED THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
    )
    return sqlglot.transpile(text, read="duckdb", write=dialect)[0]
