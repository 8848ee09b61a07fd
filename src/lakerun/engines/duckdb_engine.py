"""DuckDB adapter of the SQL engine port: the default local engine, over Arrow, files and Delta."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from lakerun.engines.sql import Capabilities, EngineError, render, sql_text

if TYPE_CHECKING:
    import pyarrow as pa


class DuckDBEngine:
    """One in-process DuckDB connection; Delta tables arrive as Arrow datasets (no extension needed)."""

    dialect = "duckdb"
    capabilities = Capabilities(
        columns_per_scan=1,
        text_by_value=True,
        row_hash="hash",
        quantile_sample_rows=50_000,
        refine_distinct=True,
        byte_length="strlen",
    )

    def __init__(self, database: str = ":memory:", threads: int | None = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.connection = duckdb.connect(database)
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")

    def register(self, name: str, data: Any) -> None:
        """Expose an Arrow table, dataset or record batch reader as a view."""
        self.connection.register(name, data)

    def register_once(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table to the next statement through its C stream, read natively and only once."""
        self.connection.register(name, table.__arrow_c_stream__())

    def copy_in(self, name: str, table: pa.Table) -> None:
        """Copy an Arrow table into the DuckDB table `name` in one read of its C stream.

        For a table queried many times: DuckDB scans a registered Arrow table through `pyarrow.dataset`
        on every query, and importing that module pulls in pandas.
        """
        hidden = f"__lakerun_load_{name}"
        self.register_once(hidden, table)
        target = exp.to_identifier(name, quoted=True).sql(self.dialect)
        source = exp.to_identifier(hidden, quoted=True).sql(self.dialect)
        self.query(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}")
        self.connection.unregister(hidden)

    def query(self, statement: exp.Expression | str) -> pa.Table:
        """Run one statement and fetch its result as an Arrow table."""
        sql = render(statement, self.dialect)
        try:
            return self.connection.execute(sql).fetch_arrow_table()
        except self._duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}\nSQL: {sql}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def stream(self, statement: exp.Expr | str, batch_rows: int = 100_000) -> pa.RecordBatchReader:
        """Run one statement and return its rows as a stream of Arrow batches (large results stay bounded)."""
        sql = sql_text(statement, self.dialect)
        try:
            return self.connection.execute(sql).fetch_record_batch(batch_rows)
        except self._duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}\nSQL: {sql}") from exc

    def load(self, name: str, batches: pa.RecordBatchReader) -> None:
        """Consume a stream of Arrow batches into a temporary table and expose it as the view `name`
        (DuckDB pulls one batch at a time and spills to disk when large)."""
        hidden = f"__lakerun_loading_{name}"
        rows = exp.to_identifier(f"__lakerun_rows_{name}", quoted=True).sql(self.dialect)
        view = exp.to_identifier(name, quoted=True).sql(self.dialect)
        self.connection.register(hidden, batches)
        try:
            self.connection.execute(f'CREATE OR REPLACE TEMP TABLE {rows} AS SELECT * FROM "{hidden}"')
        except self._duckdb.Error as exc:
            raise EngineError(f"DuckDB failed loading {name}: {exc}") from exc
        finally:
            self.connection.unregister(hidden)
        self.connection.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {rows}")

    def release(self, name: str) -> None:
        """Drop what `load` made for `name`, freeing its rows."""
        rows = exp.to_identifier(f"__lakerun_rows_{name}", quoted=True).sql(self.dialect)
        view = exp.to_identifier(name, quoted=True).sql(self.dialect)
        self.connection.execute(f"DROP VIEW IF EXISTS {view}")
        self.connection.execute(f"DROP TABLE IF EXISTS {rows}")

    def materialize(self, name: str, statement: exp.Expr | str) -> None:
        """Compute a statement once into a temporary table `name` (DuckDB spills to disk when large)."""
        sql = sql_text(statement, self.dialect)
        try:
            self.connection.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        except self._duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}\nSQL: {sql}") from exc
