"""The SQL engine a pipeline runs on, by name: DuckDB locally, Spark on Databricks or a local SparkSession."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from lakerun.engines.sql import SqlEngine
from lakerun.pipeline.errors import ConfigError

ENGINE_NAMES = ("duckdb", "spark")
QUIET_DUCKDB = "SET enable_progress_bar = false"
"""DuckDB draws progress bars on stdout for long queries, which would corrupt the JSON results there."""


def _spark_session() -> Any:
    """The active session (Databricks provides one), else a local one without console progress bars."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder: Any = SparkSession.builder.appName("lakerun-pipeline")
    return (
        builder.config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def _spark_engine() -> SqlEngine:
    try:
        module: Any = import_module("lakerun.engines.spark_tables")
    except ImportError as exc:
        raise ConfigError(f"the Spark engine needs pyspark (`pip install lakerun[spark]`): {exc}") from None
    engine: SqlEngine = module.SparkTableEngine(_spark_session())
    return engine


def create_engine(name: str) -> SqlEngine:
    """A fresh engine named `duckdb` or `spark`; an unknown name is a config error naming it."""
    if name == "duckdb":
        from lakerun.engines.duckdb_engine import DuckDBEngine

        engine = DuckDBEngine()
        engine.query(QUIET_DUCKDB)
        return engine
    if name == "spark":
        return _spark_engine()
    raise ConfigError(f"unknown engine `{name}`; choose one of: {', '.join(ENGINE_NAMES)}")
