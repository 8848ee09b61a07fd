"""Rows of a database table or query as Arrow, read through the database's DB-API driver (PostgreSQL: psycopg).

The query sent is built here: the table or the user's query as a subquery, with an optional
`watermark > last value` filter so an incremental read fetches only new rows from the database.
Rows arrive through a server-side cursor in batches of `BATCH_ROWS`, so a read of any size holds one
batch in Python at a time; the engine loads the stream into a table of its own.
Connection errors never repeat the URL (it may hold a password).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakerun.engines.dbapi_engine import POSTGRES_TYPES, DbApiEngine, rows_to_arrow
from lakerun.engines.io_errors import SourceMissingError, TableIOError
from lakerun.engines.sql import EngineError

DIALECT = "postgres"
BATCH_ROWS = 50_000
"""Rows fetched per round trip and per Arrow batch: what bounds the memory a database read takes."""
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


def _connect(url: str, *, autocommit: bool) -> Any:
    """A psycopg connection; a failure names the reason with any password in the URL masked."""
    try:
        import psycopg
    except ImportError:
        raise TableIOError("reading a database needs psycopg: pip install 'psycopg[binary]'") from None
    try:
        return psycopg.connect(conninfo(url), autocommit=autocommit, connect_timeout=15)
    except psycopg.Error as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceMissingError(f"cannot connect to the database: {_scrubbed(message, url)}") from None


@contextmanager
def _connected(url: str) -> Iterator[DbApiEngine]:
    import psycopg

    engine = DbApiEngine(_connect(url, autocommit=True), driver_error=psycopg.Error)
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


def read_rows(url: str, source: DatabaseQuery, batch_rows: int | None = None) -> RowStream:
    """The source's rows (the new ones only, with a watermark and a last value) as a stream of Arrow
    batches of at most `batch_rows` (default `BATCH_ROWS`) rows, fetched through a server-side cursor so
    memory stays bounded."""
    import psycopg

    batch_rows = batch_rows or BATCH_ROWS
    connection = _connect(url, autocommit=False)
    connection.read_only = True
    cursor = connection.cursor(name="lakerun_read")
    try:
        cursor.execute(source.rows_sql())
        description = cursor.description or []
        first = cursor.fetchmany(batch_rows)
        known = [POSTGRES_TYPES.get(column[1]) for column in description]
        head = rows_to_arrow(description, first, known)
    except BaseException as exc:
        cursor.close()
        connection.close()
        if isinstance(exc, psycopg.Error):
            raise SourceMissingError(f"the database refused the read: {str(exc).splitlines()[0]}") from None
        raise
    types = [known[i] or head.schema.field(i).type for i in range(len(description))]
    rest = _fetched(connection, cursor, description, types, batch_rows)
    return RowStream(head.schema, itertools.chain(head.to_batches(), rest), source.watermark)


def _fetched(
    connection: Any, cursor: Any, description: Any, types: list[pa.DataType], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """The cursor's remaining rows in batches of the first batch's types; the connection closes at the end."""
    import psycopg

    try:
        while rows := cursor.fetchmany(batch_rows):
            yield from _typed(description, rows, types).to_batches()
    except psycopg.Error as exc:
        raise SourceMissingError(f"the database refused the read: {str(exc).splitlines()[0]}") from None
    finally:
        cursor.close()
        connection.close()


def _typed(description: Any, rows: list[tuple[Any, ...]], types: list[pa.DataType]) -> pa.Table:
    """Rows in the stream's column types; a column whose type the first batch could not tell (all NULL,
    of a type the map does not know) is refused once values show up."""
    fixed = [None if pa.types.is_null(t) else t for t in types]
    table = rows_to_arrow(description, rows, fixed)
    for index, arrow_type in enumerate(types):
        if pa.types.is_null(arrow_type) and not pa.types.is_null(table.schema.field(index).type):
            name = description[index][0]
            raise TableIOError(
                f"database column `{name}`: its type cannot be told from the first {len(rows)} rows "
                "(all NULL); cast it to a known type in a `query` input"
            )
    return table


def read_schema(url: str, source: DatabaseQuery) -> pa.Schema:
    """The source's columns and their Arrow types, without reading a row."""
    return _query(url, source.rows_sql(limit=0)).schema


def read_state(url: str, source: DatabaseQuery) -> list[Any]:
    """The source's row count and highest watermark value, as a fingerprint of its content."""
    row = _query(url, source.state_sql()).to_pylist()[0]
    return [row["row_count"], row["high"]]


class RowStream:
    """A database read as Arrow batches that notes the highest watermark value among the rows it passes."""

    def __init__(self, schema: pa.Schema, batches: Iterator[pa.RecordBatch], watermark: str | None) -> None:
        self.schema = schema
        self._batches = batches
        self._watermark = watermark
        self._high: Any = None

    def reader(self) -> pa.RecordBatchReader:
        """The rows as a reader that can be consumed once (engines load it into a table of their own)."""
        return pa.RecordBatchReader.from_batches(self.schema, self._noted())

    def _noted(self) -> Iterator[pa.RecordBatch]:
        import pyarrow.compute as pc

        for batch in self._batches:
            if self._watermark is not None and batch.num_rows:
                top = pc.max(batch.column(self._watermark)).as_py()
                if top is not None and (self._high is None or top > self._high):
                    self._high = top
            yield batch

    def high_watermark(self) -> str | None:
        """The highest value of the watermark column among the rows read so far, as text (None before any)."""
        return None if self._high is None else str(self._high)
