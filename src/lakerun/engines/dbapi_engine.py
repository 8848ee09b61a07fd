"""DB-API adapter of the SQL engine port: any PEP 249 connection (tested with PostgreSQL via psycopg).

The workload side may not import SQLAlchemy (import rules), so databases are reached through their
own DB-API driver; the sqlglot dialect renders the SQL and a type map turns result columns into Arrow.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakerun.engines.sql import Capabilities, EngineError, render

POSTGRES_TYPES: Mapping[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),
    19: pa.string(),
    25: pa.string(),
    1042: pa.string(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
"""PostgreSQL type OIDs -> Arrow types (numeric becomes float64; unknown types fall back to inference)."""

_SQL_TYPES = {
    "bool": "BOOLEAN",
    "int": "BIGINT",
    "float": "DOUBLE",
    "str": "TEXT",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def _sql_type(arrow_type: pa.DataType) -> str:
    """The canonical SQL type used to create a registered table's column."""
    checks = (
        ("bool", pa.types.is_boolean),
        ("int", pa.types.is_integer),
        ("float", lambda t: pa.types.is_floating(t) or pa.types.is_decimal(t)),
        ("date", pa.types.is_date),
        ("timestamp", pa.types.is_timestamp),
    )
    for name, check in checks:
        if check(arrow_type):
            return _SQL_TYPES[name]
    return _SQL_TYPES["str"]


class DbApiEngine:
    """One DB-API connection; PostgreSQL capabilities by default (no approximate distinct or quantiles)."""

    def __init__(
        self,
        connection: Any,
        dialect: str = "postgres",
        type_map: Mapping[int, pa.DataType] = POSTGRES_TYPES,
        capabilities: Capabilities | None = None,
        driver_error: type[Exception] | tuple[type[Exception], ...] = Exception,
    ) -> None:
        self.connection = connection
        self.dialect = dialect
        self.type_map = type_map
        self.capabilities = capabilities or Capabilities(
            approx_distinct=False, approx_quantile=False, byte_length="octet_length"
        )
        self._driver_error = driver_error

    @classmethod
    def postgres(cls, conninfo: str) -> DbApiEngine:
        """Connect with psycopg (autocommit, so a failed query does not poison the next one)."""
        import psycopg

        return cls(psycopg.connect(conninfo, autocommit=True), driver_error=psycopg.Error)

    def register(self, name: str, data: Any) -> None:
        """Load an Arrow table into a temporary table called `name`."""
        table: pa.Table = data if isinstance(data, pa.Table) else pa.table(data)
        columns = exp.Schema(
            this=exp.to_table(name),
            expressions=[
                exp.ColumnDef(
                    this=exp.to_identifier(f.name, quoted=True), kind=exp.DataType.build(_sql_type(f.type))
                )
                for f in table.schema
            ],
        )
        create = exp.Create(
            this=columns, kind="TABLE", properties=exp.Properties(expressions=[exp.TemporaryProperty()])
        )
        placeholders = ", ".join(["%s"] * table.num_columns)
        insert = f"INSERT INTO {exp.to_table(name).sql(self.dialect)} VALUES ({placeholders})"
        rows = list(zip(*(c.to_pylist() for c in table.columns), strict=True))
        self._run(lambda cursor: (cursor.execute(create.sql(self.dialect)), cursor.executemany(insert, rows)))

    def query(self, statement: exp.Expression | str) -> pa.Table:
        """Run one statement and convert its rows to Arrow using the type map."""
        sql = render(statement, self.dialect)

        def fetch(cursor: Any) -> pa.Table:
            cursor.execute(sql)
            return self._to_arrow(cursor.description or [], cursor.fetchall())

        try:
            result: pa.Table = self._run(fetch)
        except self._driver_error as exc:
            raise EngineError(f"{self.dialect} failed: {str(exc).splitlines()[0]}\nSQL: {sql}") from exc
        return result

    def _run(self, work: Callable[[Any], Any]) -> Any:
        """Run work on a fresh cursor."""
        cursor = self.connection.cursor()
        try:
            return work(cursor)
        finally:
            cursor.close()

    def _to_arrow(self, description: Any, rows: list[tuple[Any, ...]]) -> pa.Table:
        """Columns typed by the type map; numeric values become floats."""
        return rows_to_arrow(description, rows, [self.type_map.get(column[1]) for column in description])

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def rows_to_arrow(
    description: Any, rows: Sequence[tuple[Any, ...]], types: Sequence[pa.DataType | None]
) -> pa.Table:
    """DB-API rows as Arrow columns of the given types (inferred from the values where a type is None);
    numeric values become floats."""
    arrays = {}
    for index, (column, arrow_type) in enumerate(zip(description, types, strict=True)):
        values = [_plain(row[index]) for row in rows]
        arrays[column[0]] = pa.array(values, type=arrow_type) if arrow_type else pa.array(values)
    return pa.table(arrays) if arrays else pa.table({})


def _plain(value: Any) -> Any:
    """Decimals as floats (Arrow float64 columns)."""
    return float(value) if isinstance(value, decimal.Decimal) else value
