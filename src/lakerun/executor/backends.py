"""Where `_executor_metadata` lives: a local DuckDB file, or Unity Catalog through Spark on Databricks."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.engines.sql import SqlEngine
from lakerun.executor.settings import ExecutorSettings
from lakerun.executor.store import MetadataStore, StoreError

if TYPE_CHECKING:
    import pyarrow as pa

LOCK_WAIT_SECONDS = 120.0


def on_databricks() -> bool:
    """True inside a Databricks cluster (the runtime sets this variable)."""
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))


def open_store(settings: ExecutorSettings) -> MetadataStore:
    """The metadata store for this run: Spark SQL when a catalog is set (or on Databricks), else DuckDB."""
    if settings.metadata_catalog or (on_databricks() and not settings.metadata_db):
        catalog = settings.metadata_catalog or "main"
        return MetadataStore(_spark_engine(), f"{catalog}.{settings.metadata_schema}")
    return MetadataStore(DuckDBFileEngine(settings.resolved_metadata_db()), settings.metadata_schema)


class DuckDBFileEngine:
    """DuckDB on the metadata file, opened per statement: runs hold the file's lock only while writing.

    Several executor runs (tasks in parallel) can share one file; one waits while another writes.
    Views registered before a statement are attached to the connection that runs it.
    """

    dialect = "duckdb"

    def __init__(self, path: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self.path = path
        self.wait_seconds = wait_seconds
        self._views: dict[str, Any] = {}
        self._once: dict[str, pa.Table] = {}
        self._held: DuckDBEngine | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the metadata folder {path.parent}: {exc}") from exc
        self.query("SELECT 1")

    def register(self, name: str, data: Any) -> None:
        """Keep `data` to expose as view `name` to the next statement."""
        self._views[name] = data

    def register_once(self, name: str, table: pa.Table) -> None:
        """Keep `table` to expose to the next statement only, read through its Arrow C stream."""
        self._once[name] = table

    def query(self, statement: exp.Expression | str) -> pa.Table:
        """Run one statement on the held connection, or open the file (waiting for its lock) just for it."""
        if self._held is not None:
            return self._run(self._held, statement)
        engine = self._open()
        try:
            return self._run(engine, statement)
        finally:
            engine.close()

    def _run(self, engine: DuckDBEngine, statement: exp.Expression | str) -> pa.Table:
        try:
            for name, data in self._views.items():
                engine.register(name, data)
            for name, table in self._once.items():
                engine.register_once(name, table)
            return engine.query(statement)
        finally:
            self._views.clear()
            self._once.clear()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one connection (and the file's lock) for a block of statements, e.g. one chunked write."""
        if self._held is not None:
            yield
            return
        self._held = self._open()
        try:
            yield
        finally:
            self._held.close()
            self._held = None

    def close(self) -> None:
        """Nothing stays open between statements."""

    def _open(self) -> DuckDBEngine:
        import duckdb

        deadline = time.monotonic() + self.wait_seconds
        delay = 0.05
        while True:
            try:
                return DuckDBEngine(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise StoreError(f"cannot open the metadata database {self.path}: {exc}") from exc
            except duckdb.Error as exc:
                raise StoreError(f"cannot open the metadata database {self.path}: {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _spark_engine() -> SqlEngine:
    try:
        from lakerun.engines.spark_engine import SparkEngine
    except ImportError as exc:
        raise StoreError("the Spark SQL adapter (lakerun.engines.spark_engine) is not available") from exc
    engine: SqlEngine = SparkEngine()
    return engine
