"""The Spark engine as the pipeline needs it: native reads of files and Delta tables, computed views, Arrow out.

Local Spark has no Delta jars, so a Delta table is read through the parquet files its delta-rs log
lists (hive-style partition folders give back the partition columns); on Databricks the same file
list works. Results leave Spark as Arrow and are written to Delta by delta-rs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from lakerun.engines.delta_io import open_table
from lakerun.engines.file_sources import delta_dataset, list_files
from lakerun.engines.io_errors import SourceMissingError
from lakerun.engines.locations import is_remote, localize
from lakerun.engines.spark_engine import SparkEngine
from lakerun.engines.sql import EngineError, sql_text

if TYPE_CHECKING:
    import pyarrow as pa

SCRATCH_ENV = "LAKERUN_SPARK_SCRATCH"
"""Where Spark writes intermediate results for Arrow to read back (default: a local temp folder, or
`dbfs:/tmp/lakerun-scratch` on Databricks)."""


def _qualified(path: str, uri: str) -> str:
    """A file path as Spark must see it: with the URI's scheme for object stores."""
    if is_remote(uri) and "://" not in path:
        return uri.split("://", 1)[0] + "://" + path
    return path


class SparkTableEngine(SparkEngine):
    """SparkEngine plus native source reads, materialized views and Arrow streams."""

    def __init__(self, session: Any = None) -> None:
        super().__init__(session)
        self._scratch: str | None = None

    def register_files(
        self,
        name: str,
        uri: str,
        file_format: str,
        options: Mapping[str, str] | None = None,
        *,
        arrow_schema: pa.Schema | None = None,
        version: int | None = None,
        delimiter: str = ",",
    ) -> None:
        """Expose files (csv, json, jsonl, parquet) or a Delta table at `uri` as the view `name`."""
        frame = self._delta(uri, options, version) if file_format == "delta" else None
        if frame is None and file_format != "delta":
            frame = self._files(uri, file_format, dict(options or {}), arrow_schema, delimiter)
        if frame is None:
            raise EngineError(f"cannot read {file_format} source {uri}")
        frame.createOrReplaceTempView(name)

    def _delta(self, uri: str, options: Mapping[str, str] | None, version: int | None) -> Any:
        table = open_table(uri, options, version)
        if table is None:
            raise SourceMissingError(f"table not found: {uri}")
        files = table.file_uris()
        if not files:
            return self.session.createDataFrame(
                delta_dataset(uri, dict(options or {}), version).schema.empty_table()
            )
        base = localize(uri) if not is_remote(uri) else uri
        return self.session.read.option("basePath", base).parquet(*files)

    def _files(
        self, uri: str, file_format: str, options: dict[str, str], schema: pa.Schema | None, delimiter: str
    ) -> Any:
        files = [_qualified(path, uri) for path in list_files(uri, options)]
        reader = self.session.read
        if file_format == "csv":
            reader = reader.option("header", True).option("sep", delimiter)
            if schema is not None:
                reader = reader.schema(_spark_schema(schema))
            return reader.csv(files)
        if file_format in ("json", "jsonl"):
            return reader.option("multiLine", file_format == "json").json(files)
        return reader.parquet(*files)

    def load(self, name: str, batches: pa.RecordBatchReader) -> None:
        """Write a stream of Arrow batches to scratch parquet one batch at a time and expose it as the view
        `name` (nothing of the stream is held whole in the driver)."""
        import pyarrow.parquet as pq

        spark_path, local_path = self._scratch_path()
        os.makedirs(local_path, exist_ok=True)
        with pq.ParquetWriter(os.path.join(local_path, "part-0.parquet"), batches.schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
        self.session.read.parquet(spark_path).createOrReplaceTempView(name)

    def materialize(self, name: str, statement: exp.Expr | str) -> None:
        """Compute a statement once (a local checkpoint) and expose it as the view `name`."""
        sql = sql_text(statement, self.dialect)
        self.session.sql(sql).localCheckpoint().createOrReplaceTempView(name)

    def stream(self, statement: exp.Expr | str) -> pa.RecordBatchReader:
        """A statement's rows as Arrow batches: Spark writes parquet to scratch space, Arrow streams it back.

        Nothing is collected on the driver, so results of any size pass (a `toArrow()` of millions of
        rows would hit `spark.driver.maxResultSize`). Timestamps are written as microseconds, as Delta wants.
        """
        import pyarrow.dataset as ds

        spark_path, local_path = self._scratch_path()
        self.session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        self.session.sql(sql_text(statement, self.dialect)).write.mode("overwrite").parquet(spark_path)
        return ds.dataset(local_path, format="parquet").scanner().to_reader()

    def _scratch_path(self) -> tuple[str, str]:
        """A fresh scratch folder as Spark names it and as this process opens it."""
        if self._scratch is None:
            configured = os.environ.get(SCRATCH_ENV)
            on_databricks = "DATABRICKS_RUNTIME_VERSION" in os.environ
            self._scratch = configured or (
                "dbfs:/tmp/lakerun-scratch" if on_databricks else tempfile.mkdtemp(prefix="lakerun-spark-")
            )
        spark_path = f"{self._scratch.rstrip('/')}/{uuid.uuid4().hex}"
        return spark_path, localize(spark_path)

    def close(self) -> None:
        """Remove local scratch results; the session itself belongs to the caller."""
        if self._scratch and not is_remote(self._scratch) and not self._scratch.startswith("dbfs:"):
            shutil.rmtree(localize(self._scratch), ignore_errors=True)
        self._scratch = None


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema for an Arrow schema (used to read CSV with the same column types as DuckDB)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)
