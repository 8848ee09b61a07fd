"""A `spark` global that becomes a local SparkSession the first time a task touches it."""

from __future__ import annotations

import json
import os
from typing import Any

from lakerun.local.cluster_spec import SPARK_CONF_VARIABLE

# Settings Databricks puts on every cluster's session; libraries read them (Dagster Pipes' DBFS writer).
CLUSTER_USAGE_TAGS = {
    "spark.databricks.clusterUsageTags.clusterId": "local",
    "spark.databricks.clusterUsageTags.clusterName": "local",
    "spark.databricks.clusterUsageTags.clusterLogDeliveryEnabled": "false",
    "spark.databricks.clusterUsageTags.clusterLogDestination": "",
}


class LazySpark:
    """Stands in for Databricks' `spark`; starting a JVM costs seconds, so only on first use."""

    def __init__(self) -> None:
        self._session: Any = None

    def _get(self) -> Any:
        if self._session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:
                raise RuntimeError("`spark` needs pyspark: pip install 'lakerun[spark]'") from exc
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = SparkSession.builder.master("local[*]").appName("lakerun-task")
            builder = builder.config("spark.ui.enabled", "false")
            for key, value in CLUSTER_USAGE_TAGS.items():
                builder = builder.config(key, value)
            for key, value in json.loads(os.environ.get(SPARK_CONF_VARIABLE) or "{}").items():
                builder = builder.config(key, value)
            self._session = builder.getOrCreate()
        return self._session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def stop(self) -> None:
        """Stops the session if one was started (the runner calls this at the end)."""
        if self._session is not None:
            self._session.stop()
            self._session = None
