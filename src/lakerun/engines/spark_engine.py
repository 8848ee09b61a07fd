"""Spark adapter of the SQL engine port: a SparkSession (local or Databricks), results as Arrow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp
from sqlglot.dialects.spark import Spark

from lakerun.engines.sql import Capabilities, EngineError

if TYPE_CHECKING:
    import pyarrow as pa


class _SparkSql(Spark):
    """sqlglot's Spark dialect, except that a seeded TABLESAMPLE is written `REPEATABLE (n)` as Spark parses it."""

    class Generator(Spark.Generator):  # type: ignore[valid-type,misc]
        TABLESAMPLE_SEED_KEYWORD = "REPEATABLE"


def render_spark(statement: exp.Expression | str) -> str:
    """Spark SQL text of a statement (strings are taken as already written for Spark)."""
    return statement if isinstance(statement, str) else statement.sql(dialect=_SparkSql)


def _first_line(error: Exception) -> str:
    """The first non-empty line of an error message."""
    return next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)


class SparkEngine:
    """Runs rendered Spark SQL on a SparkSession; one wide scan is cheapest here (each query is a job)."""

    dialect = "spark"
    capabilities = Capabilities(
        approx_distinct=True,
        approx_quantile=True,
        columns_per_scan=0,
        text_by_value=False,
        byte_length="octet_length",
    )

    def __init__(self, session: Any = None) -> None:
        if session is None:
            from pyspark.sql import SparkSession

            session = SparkSession.builder.getOrCreate()
        self.session = session

    def register(self, name: str, data: Any) -> None:
        """Expose a Spark DataFrame, an Arrow table or a pandas frame as a temporary view."""
        import pyarrow as pa

        frame = data
        if isinstance(data, pa.Table) or not hasattr(data, "createOrReplaceTempView"):
            frame = self.session.createDataFrame(data)
        frame.createOrReplaceTempView(name)

    def query(self, statement: exp.Expression | str) -> pa.Table:
        """Run one statement and collect its result as Arrow."""
        from pyspark.errors import PySparkException

        sql = render_spark(statement)
        try:
            return self.session.sql(sql).toArrow()
        except PySparkException as exc:
            raise EngineError(f"Spark failed: {_first_line(exc)}\nSQL: {sql}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("py4j"):
                raise EngineError(f"Spark failed: {exc}\nSQL: {sql}", transient=True) from exc
            raise

    def close(self) -> None:
        """The session belongs to the caller (Databricks provides it), so nothing is stopped here."""
