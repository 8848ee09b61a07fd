"""Rows of a database table or query as Arrow, read through the database's DB-API driver (PostgreSQL: psycopg).

The query sent is built here: the table or the user's query as a subquery, with an optional
`watermark > last value` filter so an incremental read fetches only new rows from the database.
Connection errors never repeat the URL (it may hold a password).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakerun.engines.dbapi_engine import DbApiEngine
from lakerun.engines.io_errors import SourceMissingError, TableIOError
from lakerun.engines.sql import EngineError

DIALECT = "postgres"
SOURCE_ALIAS = "lakerun_source"


@dataclass(frozen=True)
class DatabaseQuery:
    """What to read: a table or a query, and the watermark column with the last value already read."""

    table: str | None = None
    query: str | None = None
    watermark: str | None = None
    since: str | None = None

    def relation(self) -> str:
        """The table or query as a FROM item."""
        if self.table is not None:
            return exp.to_table(self.table).sql(DIALECT)
        assert self.query is not None
        return f"({self.query.strip().rstrip(';')}) AS {SOURCE_ALIAS}"

    def rows_sql(self, limit: int | None = None) -> str:
        """The rows to read (only those above `since` when a watermark is set)."""
        sql = f"SELECT * FROM {self.relation()}"
        if self.watermark and self.since is not None:
            column = exp.column(self.watermark, quoted=True).sql(DIALECT)
            sql += f" WHERE {column} > {exp.Literal.string(self.since).sql(DIALECT)}"
        return sql if limit is None else f"{sql} LIMIT {limit}"

    def state_sql(self) -> str:
        """How many rows the source holds and its highest watermark: unchanged means nothing new."""
        top = f"MAX({exp.column(self.watermark, quoted=True).sql(DIALECT)})" if self.watermark else "NULL"
        return f"SELECT COUNT(*) AS row_count, CAST({top} AS TEXT) AS high FROM {self.relation()}"


def conninfo(url: str) -> str:
    """The URL as libpq takes it (`postgresql+psycopg://` spelled `postgresql://`)."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


@contextmanager
def _connected(url: str) -> Iterator[DbApiEngine]:
    try:
        import psycopg
    except ImportError:
        raise TableIOError("reading a database needs psycopg: pip install 'psycopg[binary]'") from None
    try:
        connection = psycopg.connect(conninfo(url), autocommit=True, connect_timeout=15)
    except psycopg.Error as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceMissingError(f"cannot connect to the database: {_scrubbed(message, url)}") from None
    engine = DbApiEngine(connection, driver_error=psycopg.Error)
    try:
        yield engine
    finally:
        engine.close()


def masked_url(url: str) -> str:
    """The URL with a password written in it replaced by `***` (a secret reference is kept as written)."""
    return re.sub(r"^([^:]+://[^:@/]*:)([^@/{]+)@", r"\1***@", url)


def _scrubbed(message: str, url: str) -> str:
    password = re.match(r"^[^:]+://[^:@/]*:([^@/]*)@", url)
    return message.replace(password.group(1), "***") if password and password.group(1) else message


def _query(url: str, sql: str) -> pa.Table:
    with _connected(url) as engine:
        try:
            return engine.query(sql)
        except EngineError as exc:
            raise SourceMissingError(f"the database refused the read: {str(exc).splitlines()[0]}") from None


def read_rows(url: str, source: DatabaseQuery) -> pa.Table:
    """The source's rows (the new ones only, with a watermark and a last value)."""
    return _query(url, source.rows_sql())


def read_schema(url: str, source: DatabaseQuery) -> pa.Schema:
    """The source's columns and their Arrow types, without reading a row."""
    return _query(url, source.rows_sql(limit=0)).schema


def read_state(url: str, source: DatabaseQuery) -> list[Any]:
    """The source's row count and highest watermark value, as a fingerprint of its content."""
    row = _query(url, source.state_sql()).to_pylist()[0]
    return [row["row_count"], row["high"]]


def high_watermark(rows: pa.Table, column: str) -> str | None:
    """The highest value of `column` among the rows read, as text (None when no row was read)."""
    import pyarrow.compute as pc

    if rows.num_rows == 0:
        return None
    top = pc.max(rows[column]).as_py()
    return None if top is None else str(top)
