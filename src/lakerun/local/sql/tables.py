"""Reading and writing one local Delta table: its Arrow schema, its rows, and whole-table writes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError

from lakerun.local.sql.errors import SqlError

WriteMode = Literal["error", "append", "overwrite"]


def schema_of(path: Path) -> pa.Schema:
    """The table's current schema, with NOT NULL columns marked."""
    return pa.schema(DeltaTable(str(path)).schema().to_arrow())


def rows_of(path: Path) -> pa.Table:
    """Every row of the table's current version."""
    return DeltaTable(str(path)).to_pyarrow_dataset().to_table()


def conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """Rows in the table's column order and types (DuckDB may hand back wider or renamed types)."""
    missing = [f.name for f in schema if f.name not in rows.column_names]
    extra = [name for name in rows.column_names if schema.get_field_index(name) < 0]
    if extra:
        raise SqlError("UNRESOLVED_COLUMN", f"Columns {', '.join(extra)} are not in the table.", "42703")
    columns = [
        rows[f.name].cast(f.type) if f.name not in missing else pa.nulls(rows.num_rows, f.type)
        for f in schema
    ]
    try:
        return pa.Table.from_arrays(columns, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SqlError(
            "DELTA_FAILED_TO_MERGE_FIELDS", f"Rows do not fit the table's schema: {exc}", "22005"
        ) from exc


def write(
    path: Path, rows: pa.Table, mode: str, partition_by: list[str] | None = None, new_schema: bool = False
) -> None:
    """Writes rows (append, overwrite, or a new table with `error`), refusing NOT NULL violations."""
    schema_mode: Literal["overwrite"] | None = "overwrite" if new_schema else None
    partitions = partition_by or None
    try:
        if mode == "overwrite":
            write_deltalake(
                str(path), rows, mode="overwrite", partition_by=partitions, schema_mode=schema_mode
            )
        elif mode == "append":
            write_deltalake(str(path), rows, mode="append", partition_by=partitions, schema_mode=schema_mode)
        else:
            write_deltalake(str(path), rows, mode="error", partition_by=partitions, schema_mode=schema_mode)
    except DeltaError as exc:
        if "failed validation" in str(exc) or "non-nullable" in str(exc):
            raise SqlError(
                "DELTA_NOT_NULL_CONSTRAINT_VIOLATED",
                "NOT NULL constraint violated for a column of the table.",
                "23502",
            ) from exc
        raise SqlError("DELTA_WRITE_FAILED", str(exc).splitlines()[0], "58000") from exc
