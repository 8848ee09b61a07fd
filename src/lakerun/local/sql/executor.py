"""Runs one Databricks SQL statement on DuckDB over the workspace's Delta tables.

Queries read each table's current Delta version through Arrow; writes go through delta-rs and are
serialized per workspace, so readers always see whole versions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from lakerun.local.sql import ddl, dml
from lakerun.local.sql.catalog import UnityCatalog
from lakerun.local.sql.errors import SqlError
from lakerun.local.sql.names import DEFAULT_CATALOG, DEFAULT_SCHEMA
from lakerun.local.sql.session import Session, bind_parameters, parse

WRITES = (exp.Create, exp.Drop, exp.Alter, exp.TruncateTable, exp.Insert, exp.Update, exp.Delete, exp.Merge)


class SqlWarehouse:
    """The one local SQL warehouse of a workspace."""

    def __init__(self, catalog: UnityCatalog) -> None:
        self.catalog = catalog
        self._writes = threading.Lock()

    def execute(
        self,
        sql: str,
        parameters: list[dict[str, Any]] | None = None,
        catalog: str | None = None,
        schema: str | None = None,
        on_connect: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    ) -> pa.Table:
        """The rows of `sql` (empty for DDL; affected-row counts for DML); SqlError when it fails."""
        statement = bind_parameters(parse(sql), parameters or [])
        session = Session(self.catalog, catalog or DEFAULT_CATALOG, schema or DEFAULT_SCHEMA, on_connect)
        try:
            if isinstance(statement, WRITES) or _is_catalog_command(statement):
                with self._writes:
                    return _run(session, statement)
            return _run(session, statement)
        except duckdb.InterruptException as exc:
            raise SqlError("OPERATION_CANCELED", "The statement was canceled.", "HY008") from exc
        except duckdb.Error as exc:
            raise _duckdb_error(exc) from exc
        finally:
            session.close()


def _run(session: Session, statement: exp.Expr) -> pa.Table:
    if isinstance(statement, exp.Query):
        return session.query(statement)
    if isinstance(statement, exp.Create):
        return ddl.create(session, statement)
    if isinstance(statement, exp.Drop):
        return ddl.drop(session, statement)
    if isinstance(statement, exp.Alter):
        return ddl.alter(session, statement)
    if isinstance(statement, exp.TruncateTable):
        return ddl.truncate(session, statement)
    if isinstance(statement, exp.Describe):
        return ddl.describe(session, statement)
    if isinstance(statement, exp.Insert):
        return dml.insert(session, statement)
    if isinstance(statement, exp.Update | exp.Delete | exp.Merge):
        return dml.change(session, statement)
    if isinstance(statement, exp.Command):
        return ddl.command(session, statement.sql(dialect="databricks"))
    raise SqlError(
        "UNSUPPORTED_FEATURE",
        f"{type(statement).__name__} statements are not supported by the local warehouse.",
        "0A000",
    )


def _is_catalog_command(statement: exp.Expr) -> bool:
    return isinstance(statement, exp.Command) and str(statement.this).upper() in ("CREATE", "DROP")


def _duckdb_error(exc: duckdb.Error) -> SqlError:
    message = str(exc).split("\n")[0]
    if isinstance(exc, duckdb.CatalogException) or "Referenced column" in message:
        return SqlError("UNRESOLVED_COLUMN", message, "42703")
    if isinstance(exc, duckdb.ConversionException | duckdb.InvalidInputException):
        return SqlError("CAST_INVALID_INPUT", message, "22018")
    if isinstance(exc, duckdb.ParserException):
        return SqlError("PARSE_SYNTAX_ERROR", message, "42601")
    if isinstance(exc, duckdb.BinderException):
        return SqlError(
            "UNRESOLVED_COLUMN" if "column" in message.lower() else "DATATYPE_MISMATCH", message, "42703"
        )
    if isinstance(exc, duckdb.ConstraintException):
        return SqlError("DELTA_VIOLATE_CONSTRAINT_WITH_VALUES", message, "23001")
    return SqlError("INTERNAL_ERROR", message, "XX000")
