"""Writers to one SQLite file queue on a lock in the process, instead of polling in SQLite's busy handler.

SQLite admits one writer at a time. A connection that finds the file locked sleeps in its busy handler
(1 ms, then longer, up to 100 ms a try) and retries; under a steady stream of short write transactions a
waiting writer can lose the race again and again, which turned a trigger's usual 90 ms into seconds.
Here a connection takes a lock shared by every connection to the same file before its first write and
gives it back when its transaction ends, so writers in one process are served in turn and woken at once.
Writers in other processes still meet SQLite's own locking and busy timeout, as before.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Longest wait for the lock; after it, the write goes ahead and SQLite's busy timeout takes over, so a
# thread that already holds the lock on another connection meets the same error it met before.
LOCK_WAIT_SECONDS = 30.0
# Statements that never take the write lock themselves: reads, pragmas and transaction control (a plain
# BEGIN is deferred). A `WITH ... INSERT` counts as a read here and simply meets SQLite's busy handler.
_NOT_WRITES = (
    "SELECT",
    "WITH",
    "PRAGMA",
    "EXPLAIN",
    "VALUES",
    "COMMIT",
    "END",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
)
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def writes(statement: str) -> bool:
    """True when `statement` may take SQLite's write lock (anything but a read or transaction control)."""
    words = statement.split(None, 2)[:2]
    head = " ".join(words).upper()
    if head.startswith("BEGIN"):
        return head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"))
    return bool(words) and not head.startswith(_NOT_WRITES)


def connection_factory(database: str) -> type[QueuedWriterConnection]:
    """The `sqlite3.connect(factory=...)` class whose connections share the write lock of `database`."""
    key = str(Path(database).resolve())
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    return type("QueuedWriterConnection", (QueuedWriterConnection,), {"write_lock": lock})


class QueuedWriterConnection(sqlite3.Connection):
    """A connection that holds its file's write lock from its first write until its transaction ends."""

    write_lock: threading.Lock

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_lock = False

    def cursor(self, factory: Any = None) -> Any:
        """A cursor whose statements take the write lock first when they write."""
        return super().cursor(factory or _QueuedWriterCursor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_if_done()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_if_done()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    @contextmanager
    def queued(self, statement: str) -> Iterator[None]:
        """Runs one statement holding the write lock when it writes, and gives the lock back if no
        transaction is left open after it (autocommit, a failed statement)."""
        if not self._holds_lock and writes(statement):
            self._holds_lock = self.write_lock.acquire(timeout=LOCK_WAIT_SECONDS)
        try:
            yield
        finally:
            self.release_if_done()

    def release_if_done(self) -> None:
        """Gives the lock back once no transaction is open (committed, rolled back, or never begun)."""
        if self._holds_lock and not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._holds_lock:
            self._holds_lock = False
            self.write_lock.release()


class _QueuedWriterCursor(sqlite3.Cursor):
    """Routes each statement through its connection's write lock."""

    connection: QueuedWriterConnection

    def execute(self, sql: str, parameters: Any = (), /) -> _QueuedWriterCursor:
        with self.connection.queued(sql):
            super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> _QueuedWriterCursor:
        with self.connection.queued(sql):
            super().executemany(sql, seq_of_parameters)
        return self
