"""What a task's cluster definition gives its process: `spark_env_vars` and `spark_conf`.

On Databricks a task's `new_cluster` (or the job cluster its `job_cluster_key` names) sets
environment variables on the driver and Spark configuration on the session; the local workspace
passes both to the task process, the configuration as JSON that the task's `spark` applies.
"""

from __future__ import annotations

import json
from typing import Any

SPARK_CONF_VARIABLE = "LAKERUN_SPARK_CONF"


def task_cluster(task_settings: dict[str, Any], run_settings: dict[str, Any]) -> dict[str, Any]:
    """The cluster definition a task runs on: its `new_cluster`, else its job cluster, else none."""
    if isinstance(task_settings.get("new_cluster"), dict):
        return dict(task_settings["new_cluster"])
    key = task_settings.get("job_cluster_key")
    for cluster in run_settings.get("job_clusters") or []:
        if key and cluster.get("job_cluster_key") == key:
            return dict(cluster.get("new_cluster") or {})
    return {}


def cluster_environment(cluster: dict[str, Any]) -> dict[str, str]:
    """Environment variables for a task process on `cluster`: its `spark_env_vars`, plus its
    `spark_conf` as JSON for the task's Spark session."""
    variables = {str(name): str(value) for name, value in (cluster.get("spark_env_vars") or {}).items()}
    conf = cluster.get("spark_conf") or {}
    if conf:
        variables[SPARK_CONF_VARIABLE] = json.dumps({str(k): str(v) for k, v in conf.items()})
    return variables
