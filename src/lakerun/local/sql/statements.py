"""The Statement Execution API's statements: run in worker threads, waited on, cancelled, and their
results kept as JSON_ARRAY chunks until they age out."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from lakerun.local.sql.errors import SqlError
from lakerun.local.sql.executor import SqlWarehouse
from lakerun.local.sql.values import column_info, render

ROWS_PER_CHUNK = 10_000
INLINE_BYTE_LIMIT = 25 * 1024 * 1024
KEEP_STATEMENTS = 1000
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELED", "CLOSED"})


@dataclass
class StatementRequest:
    """What a client asked to run (already validated by the API layer)."""

    sql: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    catalog: str | None = None
    schema: str | None = None
    row_limit: int | None = None
    byte_limit: int | None = None


@dataclass
class Statement:
    """One statement and, once it ended, its outcome."""

    statement_id: str
    request: StatementRequest
    state: str = "PENDING"
    error: dict[str, str] | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    chunks: list[list[list[str | None]]] = field(default_factory=list)
    truncated: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    connection: duckdb.DuckDBPyConnection | None = None
    cancel_requested: bool = False

    @property
    def total_rows(self) -> int:
        """Rows over all chunks."""
        return sum(len(chunk) for chunk in self.chunks)


class StatementRunner:
    """Runs statements on the workspace's warehouse, a few at a time, and keeps recent ones."""

    def __init__(self, warehouse: SqlWarehouse, workers: int = 4) -> None:
        self.warehouse = warehouse
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lakerun-sql")
        self._lock = threading.Lock()
        self._statements: OrderedDict[str, Statement] = OrderedDict()

    def submit(self, request: StatementRequest) -> Statement:
        """Starts a statement; it runs in the background."""
        statement = Statement(str(uuid.uuid4()), request)
        with self._lock:
            self._statements[statement.statement_id] = statement
            while len(self._statements) > KEEP_STATEMENTS:
                self._statements.popitem(last=False)
        self._pool.submit(self._run, statement)
        return statement

    def get(self, statement_id: str) -> Statement | None:
        """A statement still kept, or None."""
        with self._lock:
            return self._statements.get(statement_id)

    def cancel(self, statement: Statement) -> None:
        """Stops a statement that has not ended (DuckDB is interrupted mid-query)."""
        with self._lock:
            if statement.state in TERMINAL:
                return
            statement.cancel_requested = True
            if statement.state == "PENDING":
                statement.state = "CANCELED"
                statement.done.set()
                return
        threading.Thread(target=self._interrupt_until_done, args=(statement,), daemon=True).start()

    def _interrupt_until_done(self, statement: Statement) -> None:
        """DuckDB's interrupt stops only the query running at that instant, so it is repeated until
        the statement ends (a query that starts right after one interrupt is stopped by the next)."""
        while not statement.done.is_set():
            with self._lock:
                connection = statement.connection
            if connection is not None:
                with contextlib.suppress(duckdb.Error):
                    connection.interrupt()
            statement.done.wait(0.05)

    def close(self) -> None:
        """Cancels what runs and stops the workers."""
        with self._lock:
            running = [s for s in self._statements.values() if s.state not in TERMINAL]
        for statement in running:
            self.cancel(statement)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, statement: Statement) -> None:
        with self._lock:
            if statement.state != "PENDING":
                return
            statement.state = "RUNNING"
        request = statement.request
        try:
            table = self.warehouse.execute(
                request.sql,
                request.parameters,
                request.catalog,
                request.schema,
                on_connect=lambda connection: self._attach(statement, connection),
            )
            self._finish(statement, table)
        except SqlError as exc:
            state = "CANCELED" if statement.cancel_requested else "FAILED"
            self._end(statement, state, {"error_code": "BAD_REQUEST", "message": str(exc)})
        except Exception as exc:
            self._end(
                statement,
                "FAILED",
                {"error_code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}"},
            )

    def _attach(self, statement: Statement, connection: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            statement.connection = connection

    def _finish(self, statement: Statement, table: pa.Table) -> None:
        request = statement.request
        limit = request.row_limit
        truncated = limit is not None and table.num_rows > limit
        rows = table.slice(0, limit).to_pylist() if limit is not None else table.to_pylist()
        data = [[render(value) for value in row.values()] for row in rows]
        data, cut = _within_bytes(data, request.byte_limit or INLINE_BYTE_LIMIT)
        if cut and request.byte_limit is None:
            self._end(
                statement,
                "FAILED",
                {
                    "error_code": "BAD_REQUEST",
                    "message": "The result exceeds the 25 MiB limit of INLINE results; add a LIMIT or set byte_limit.",
                },
            )
            return
        statement.columns = column_info(table.schema)
        statement.chunks = [data[i : i + ROWS_PER_CHUNK] for i in range(0, len(data), ROWS_PER_CHUNK)] or [[]]
        statement.truncated = truncated or cut
        self._end(statement, "CANCELED" if statement.cancel_requested else "SUCCEEDED", None)

    def _end(self, statement: Statement, state: str, error: dict[str, str] | None) -> None:
        with self._lock:
            statement.state = state
            statement.error = error if state == "FAILED" else None
            statement.connection = None
        statement.done.set()


def _within_bytes(data: list[list[str | None]], limit: int) -> tuple[list[list[str | None]], bool]:
    total = 0
    for index, row in enumerate(data):
        total += sum(len(value) + 3 if value is not None else 4 for value in row) + 2
        if total > limit:
            return data[:index], True
    return data, False
