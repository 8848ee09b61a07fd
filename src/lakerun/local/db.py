"""The workspace's own SQLite state file, shared by its feature modules (each owns its tables)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class StateDB:
    """A serialized SQLite connection: the local workspace is one process with modest write rates."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested use joins the outer transaction."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only statement."""
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """One write statement in its own transaction."""
        with self.transaction() as conn:
            return conn.execute(sql, args)

    def script(self, sql: str) -> None:
        """DDL run at start-up (`CREATE TABLE IF NOT EXISTS ...`)."""
        with self._lock:
            self._conn.executescript(sql)

    def close(self) -> None:
        """Closes the file; used when the server stops."""
        with self._lock:
            self._conn.close()


def _unicode_lower(text: str | None) -> str | None:
    """SQLite's LOWER folds ASCII only; names compare case-insensitively in every script, as on Databricks."""
    return text.lower() if isinstance(text, str) else text
