"""One statement's working set: its parameters bound, its table names resolved to Delta tables and
registered in a private DuckDB connection, and its SQL rendered for DuckDB."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from deltalake import DeltaTable
from sqlglot import exp
from sqlglot.errors import ParseError

from lakerun.local.sql.catalog import UnityCatalog
from lakerun.local.sql.errors import SqlError
from lakerun.local.sql.names import DEFAULT_CATALOG, DEFAULT_SCHEMA, ObjectName

READ = "databricks"
WRITE = "duckdb"


def parse(sql: str) -> exp.Expr:
    """The one statement of `sql` (Databricks dialect); several statements are refused as Databricks does."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=READ) if s is not None]
    except ParseError as exc:
        raise SqlError(
            "PARSE_SYNTAX_ERROR",
            f"Syntax error: {exc.errors[0]['description'] if exc.errors else exc}.",
            "42601",
        ) from exc
    if len(statements) != 1:
        raise SqlError("PARSE_SYNTAX_ERROR", "Exactly one SQL statement is expected.", "42601")
    return statements[0]


def bind_parameters(statement: exp.Expr, parameters: list[dict[str, Any]]) -> exp.Expr:
    """Named markers (`:name`) replaced by their values, cast to their `type` when one is given."""
    given = {str(p.get("name")): p for p in parameters}

    def bound(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Placeholder):
            return node
        name = str(node.this or "")
        if not name:
            raise SqlError(
                "UNSUPPORTED_FEATURE",
                "Positional parameter markers (?) are not supported; use :name.",
                "0A000",
            )
        if name not in given:
            raise SqlError("UNBOUND_SQL_PARAMETER", f"Found the unbound parameter: {name}.", "42P02")
        value, kind = given[name].get("value"), given[name].get("type")
        literal: exp.Expr = exp.Null() if value is None else exp.Literal.string(str(value))
        if kind and str(kind).upper() != "STRING":
            try:
                return exp.Cast(this=literal, to=exp.DataType.build(str(kind), dialect=READ))
            except (ParseError, ValueError) as exc:
                raise SqlError(
                    "INVALID_PARAMETER_VALUE", f"Parameter {name} has an unknown type {kind!r}.", "22023"
                ) from exc
        return literal

    return statement.transform(bound)


@dataclass
class Session:
    """A DuckDB connection that sees the statement's tables; closed when the statement ends."""

    catalog: UnityCatalog
    default_catalog: str = DEFAULT_CATALOG
    default_schema: str = DEFAULT_SCHEMA
    on_connect: Callable[[duckdb.DuckDBPyConnection], None] | None = None
    connection: duckdb.DuckDBPyConnection = field(init=False)
    _names: itertools.count[int] = field(default_factory=itertools.count, init=False)

    def __post_init__(self) -> None:
        self.connection = duckdb.connect()
        self.connection.execute("SET TimeZone = 'UTC'")
        if self.on_connect is not None:
            self.on_connect(self.connection)

    def close(self) -> None:
        """Releases the connection."""
        self.connection.close()

    def name_of(self, table: exp.Table) -> ObjectName:
        """The three-level name a table reference means, with the statement's default catalog and schema."""
        if table.catalog:
            return ObjectName.of(table.catalog, table.db, table.name)
        return ObjectName.of(self.default_catalog, table.db or self.default_schema, table.name)

    def register_sources(self, statement: exp.Expr, skip: exp.Expr | None = None) -> None:
        """Every table the statement reads becomes a view on its Delta table's current version."""
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        for table in list(statement.find_all(exp.Table)):
            if table is skip or not isinstance(table.this, exp.Identifier):
                continue
            if not table.db and table.name.lower() in ctes:
                continue
            name = self.name_of(table)
            dataset = DeltaTable(str(self.catalog.table_path(name))).to_pyarrow_dataset()
            view = f"__source_{next(self._names)}"
            self.connection.register(view, dataset)
            rename(table, view, alias=table.alias or name.name)

    def run(self, statement: exp.Expr) -> pa.Table:
        """Executes a statement whose tables are registered and returns its rows."""
        return self.connection.execute(render(statement)).fetch_arrow_table()

    def query(self, statement: exp.Expr) -> pa.Table:
        """A query's rows."""
        self.register_sources(statement)
        return self.run(statement)


def rename(table: exp.Table, name: str, alias: str | None) -> None:
    """Points a table reference at a DuckDB relation, keeping the name columns are qualified with."""
    table.set("catalog", None)
    table.set("db", None)
    table.set("this", exp.to_identifier(name, quoted=True))
    if alias and not table.alias:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))


def render(statement: exp.Expr) -> str:
    """DuckDB SQL for a statement."""
    try:
        return statement.sql(dialect=WRITE)
    except Exception as exc:
        raise SqlError("UNSUPPORTED_FEATURE", f"The statement cannot be run locally: {exc}", "0A000") from exc
