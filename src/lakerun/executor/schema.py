"""The ONE canonical definition of the `_executor_metadata` schema: five tables, with a version.

Every backend (DuckDB locally, Spark SQL / Unity Catalog on Databricks) creates, validates and
writes these tables from this definition; DDL is built as sqlglot expressions and rendered per
dialect. Raise `SCHEMA_VERSION` when a column is added; validation adds missing columns in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlglot import exp

SCHEMA_NAME = "_executor_metadata"
SCHEMA_VERSION = 1

_ARROW_TYPES = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us"),
}


@dataclass(frozen=True)
class Column:
    """One column: name, portable type (`string`, `bigint`, `double`, `boolean`, `timestamp`), meaning."""

    name: str
    type: str
    doc: str = ""

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type rows are built with before they are written."""
        return _ARROW_TYPES[self.type]


@dataclass(frozen=True)
class TableDef:
    """One table of the schema and the columns that identify a row (for idempotent upserts)."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str = ""

    @property
    def arrow_schema(self) -> pa.Schema:
        """Arrow schema of the table's rows."""
        return pa.schema([(c.name, c.arrow_type) for c in self.columns])

    def create(self, schema: exp.Table | str, table_format: str | None = None) -> exp.Create:
        """`CREATE TABLE IF NOT EXISTS` for this table inside `schema` (a Delta table when asked)."""
        columns = [
            exp.ColumnDef(this=exp.to_identifier(c.name), kind=exp.DataType.build(c.type))
            for c in self.columns
        ]
        target = exp.Schema(this=qualified(schema, self.name), expressions=columns)
        properties = (
            exp.Properties(expressions=[exp.FileFormatProperty(this=exp.Var(this=table_format))])
            if table_format
            else None
        )
        return exp.Create(this=target, kind="TABLE", exists=True, properties=properties)

    def add_column(self, schema: exp.Table | str, column: Column) -> exp.Alter:
        """`ALTER TABLE ... ADD COLUMN` for a column an older version of the table lacks."""
        definition = exp.ColumnDef(this=exp.to_identifier(column.name), kind=exp.DataType.build(column.type))
        return exp.Alter(this=qualified(schema, self.name), kind="TABLE", actions=[definition])


def qualified(schema: exp.Table | str, table: str) -> exp.Table:
    """`schema.table` (or `catalog.schema.table`) as a sqlglot table reference."""
    if isinstance(schema, str):
        parts = schema.split(".")
        catalog = exp.to_identifier(parts[0]) if len(parts) > 1 else None
        return exp.Table(this=exp.to_identifier(table), db=exp.to_identifier(parts[-1]), catalog=catalog)
    return exp.Table(this=exp.to_identifier(table), db=schema.this, catalog=schema.args.get("db"))


_RUN = Column("last_run_id", "string", "the executor run that last wrote this row")

SOURCES = TableDef(
    "sources",
    key=("source_id",),
    doc="data sources the executor has scanned, one row per tenant and path",
    columns=(
        Column("source_id", "string", "stable id: hash of tenant and normalised path"),
        Column("tenant_id", "string"),
        Column("source_name", "string"),
        Column("source_path", "string"),
        Column("source_type", "string", "seed 000's source_type argument (auto, csv, aws_s3, ...)"),
        Column("connection_details", "string", "JSON: scheme and location, never credentials"),
        Column("files_found", "bigint"),
        Column("datasets_found", "bigint"),
        Column("total_size_bytes", "bigint"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        _RUN,
    ),
)

TABLES = TableDef(
    "tables",
    key=("table_id",),
    doc="datasets found in a source: a file, a folder of part files, or a Delta table",
    columns=(
        Column("table_id", "string", "stable id: hash of source id and dataset path"),
        Column("source_id", "string"),
        Column("table_name", "string", "dataset path relative to the source root"),
        Column("schema_name", "string"),
        Column("file_path", "string"),
        Column("file_format", "string"),
        Column("dataset_kind", "string", "file, folder or delta"),
        Column("row_count", "bigint"),
        Column("row_count_method", "string", "metadata (footers, Delta log) or scan (streaming count)"),
        Column("column_count", "bigint"),
        Column("file_count", "bigint"),
        Column("size_bytes", "bigint"),
        Column("partition_columns", "string", "JSON list"),
        Column("modified_at", "timestamp"),
        Column("last_refreshed", "timestamp"),
        Column("status", "string", "ok, partial (some files left out), error, or missing (gone since)"),
        Column("error_message", "string"),
        Column("quality_score", "double"),
        Column("quality_level", "string"),
        Column("quality_json", "string", "JSON: the six dimension scores and their inputs"),
        Column("quality_assessed_at", "timestamp"),
        _RUN,
    ),
)

COLUMNS = TableDef(
    "columns",
    key=("column_id",),
    doc="columns of each dataset, in order",
    columns=(
        Column("column_id", "string", "stable id: hash of table id and column name"),
        Column("table_id", "string"),
        Column("column_name", "string"),
        Column("ordinal_position", "bigint"),
        Column("data_type", "string", "Arrow type name"),
        Column("is_nullable", "boolean"),
        Column("is_partition", "boolean"),
        Column("is_primary_key", "boolean"),
        Column("sample_value", "string"),
        Column("null_count", "bigint"),
        Column("distinct_count", "bigint"),
        _RUN,
    ),
)

EXECUTOR_RUNS = TableDef(
    "executor_runs",
    key=("run_id",),
    doc="one row per executor run: the audit trail",
    columns=(
        Column("run_id", "string"),
        Column("executor_version", "string"),
        Column("schema_version", "bigint"),
        Column("run_mode", "string", "the job type"),
        Column("tenant_id", "string"),
        Column("source_id", "string"),
        Column("source_path", "string"),
        Column("status", "string", "Running, Success, Partial, Failed or Cancelled"),
        Column("error_message", "string"),
        Column("started_at", "timestamp"),
        Column("finished_at", "timestamp"),
        Column("result_json", "string", "the JSON result the run printed"),
    ),
)

LOGS = TableDef(
    "logs",
    key=("log_id",),
    doc="log lines of each run, including per-file errors",
    columns=(
        Column("log_id", "string"),
        Column("run_id", "string"),
        Column("log_level", "string"),
        Column("log_message", "string"),
        Column("file_path", "string"),
        Column("log_timestamp", "timestamp"),
    ),
)

ALL_TABLES: tuple[TableDef, ...] = (SOURCES, TABLES, COLUMNS, EXECUTOR_RUNS, LOGS)
BY_NAME = {table.name: table for table in ALL_TABLES}
