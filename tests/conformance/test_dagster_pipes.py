"""Dagster Pipes (`dagster-databricks`) against the local workspace: the task reads its Pipes context
from `/dbfs`, gets the bootstrap through `new_cluster.spark_env_vars`, and reports metadata back.

Recipe: `PipesDatabricksClient(client=WorkspaceClient(host="http://127.0.0.1:8765", token="dapi-local"))`
with a `new_cluster` task (an `existing_cluster_id` task gets the bootstrap as CLI arguments instead).
`PipesDbfsMessageWriter` needs an active SparkSession, which Databricks starts before the task and
the local workspace on first use of `spark`: the task touches `spark` before opening Pipes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conformance.client_venvs import client_venv

pytestmark = [pytest.mark.conformance, pytest.mark.slow]
CLIENT = Path(__file__).parent / "clients" / "dagster_client.py"


@pytest.fixture(scope="session")
def dagster_python() -> Path:
    """Python of a venv with dagster-databricks."""
    return client_venv("dagster", ["dagster-databricks==0.29.27"]) / "bin" / "python"


@pytest.mark.skipif(os.geteuid() != 0, reason="task code opens /dbfs paths, which needs root to map")
@pytest.mark.usefixtures("spark_available")  # PipesDbfsMessageWriter needs a SparkSession
def test_pipes_task_reports_materialization_metadata(dagster_python, local_workspace, tmp_path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [str(dagster_python), str(CLIENT), local_workspace.url, local_workspace.token],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"success": True, "metadata": {"rows": 42, "source": "lakerun"}}
