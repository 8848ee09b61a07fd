"""The executor as real tasks in the local workspace: seed 000's spark_python_task and a python_wheel_task.

Jobs are created through the official SDK (and the seed's own JSON), results are read back from
`_executor_metadata` by SQL, and the platform credential comes from a secret scope.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from databricks.sdk.service import jobs

from tests.executor import sample_data
from tests.executor.conftest import Platform, query

pytestmark = pytest.mark.slow

MAIN_PY = "from lakerun.executor.entrypoint import main\n\nmain()\n"


def _metadata_db(workspace_root: Path) -> Path:
    return workspace_root / "dbfs" / "lakerun" / "executor" / "metadata.duckdb"


def _task_output(ws_client, run: jobs.Run) -> jobs.RunOutput:
    [task] = run.tasks or []
    return ws_client.jobs.get_run_output(task.run_id)


def test_seed_spark_python_task_runs_metadata_extraction(ws_client, workspace_root: Path) -> None:
    ws_client.dbfs.upload("/executor/main.py", io.BytesIO(MAIN_PY.encode()), overwrite=True)
    sample_data.write_every_format(workspace_root / "dbfs" / "mnt" / "client-data")
    seed_job = {
        "name": "Nuvyn-Metadata-Extraction",
        "existing_cluster_id": "local",
        "spark_python_task": {
            "python_file": "dbfs:/executor/main.py",
            "parameters": ["metadata_extraction", "/dbfs/mnt/client-data/", "csv", "client-123"],
        },
        "timeout_seconds": 3600,
        "max_concurrent_runs": 1,
    }
    job_id = int(ws_client.api_client.do("POST", "/api/2.1/jobs/create", body=seed_job)["job_id"])
    run = ws_client.jobs.run_now(job_id=job_id).result(timeout=timedelta(seconds=300))
    output = _task_output(ws_client, run)
    assert run.state.result_state == jobs.RunResultState.SUCCESS, output.error_trace or output.logs
    result = json.loads(output.logs[output.logs.index("{") :])
    assert result["schema_info"]["tables"] == 2
    rows = query(
        _metadata_db(workspace_root),
        "SELECT run_id, executor_version, run_mode, status, started_at, finished_at, error_message "
        "FROM _executor_metadata.executor_runs WHERE status = 'Success' ORDER BY started_at DESC LIMIT 10",
    )
    assert [(r[2], r[3]) for r in rows] == [("metadata_extraction", "Success")]
    tables = query(
        _metadata_db(workspace_root), "SELECT table_name FROM _executor_metadata.tables ORDER BY 1"
    )
    assert tables == [("orders.csv",), ("orders.tsv",)]


def test_failing_task_is_a_failed_run(ws_client, workspace_root: Path) -> None:
    ws_client.dbfs.upload("/executor/main.py", io.BytesIO(MAIN_PY.encode()), overwrite=True)
    task = jobs.SubmitTask(
        task_key="extract",
        existing_cluster_id="local",
        spark_python_task=jobs.SparkPythonTask(
            python_file="dbfs:/executor/main.py",
            parameters=["metadata_extraction", "dbfs:/mnt/nothing-here/"],
        ),
    )
    run = ws_client.jobs.submit(run_name="missing", tasks=[task]).result(timeout=timedelta(seconds=300))
    assert run.state.result_state == jobs.RunResultState.FAILED
    assert "path does not exist" in _task_output(ws_client, run).logs  # type: ignore[operator]


def test_wheel_task_full_pipeline_with_secret_scope(
    ws_client, workspace_root: Path, lakerun_wheel: Path, platform: Platform
) -> None:
    ws_client.dbfs.upload(
        f"/libs/{lakerun_wheel.name}", io.BytesIO(lakerun_wheel.read_bytes()), overwrite=True
    )
    ws_client.secrets.create_scope(scope="lakerun-executor")
    ws_client.secrets.put_secret(
        scope="lakerun-executor", key="lakerun-api-key", string_value="platform-key-77"
    )
    sample_data.write_hive_folder(workspace_root / "volumes" / "main" / "default" / "sales_data")
    parameters = ["full_pipeline", "/Volumes/main/default/sales_data/", "parquet", "production-tenant"]
    parameters += ["--secret-scope", "lakerun-executor", "--api-endpoint", platform.url]
    task = jobs.Task(
        task_key="pipeline",
        existing_cluster_id="local",
        libraries=[jobs.compute.Library(whl=f"dbfs:/libs/{lakerun_wheel.name}")],
        python_wheel_task=jobs.PythonWheelTask(
            package_name="lakerun", entry_point="lakerun-executor", parameters=parameters
        ),
    )
    job_id = ws_client.jobs.create(name="Nuvyn-Full-Pipeline", tasks=[task]).job_id
    run = ws_client.jobs.run_now(job_id=job_id).result(timeout=timedelta(seconds=600))
    output = _task_output(ws_client, run)
    assert run.state.result_state == jobs.RunResultState.SUCCESS, output.error_trace or output.logs
    assert platform.requests and platform.requests[0]["Authorization"] == "Bearer platform-key-77"
    assert "platform-key-77" not in output.logs  # type: ignore[operator]
    [(status, mode)] = query(
        _metadata_db(workspace_root), "SELECT status, run_mode FROM _executor_metadata.executor_runs"
    )
    assert (status, mode) == ("Success", "full_pipeline")
    [(score,)] = query(_metadata_db(workspace_root), "SELECT quality_score FROM _executor_metadata.tables")
    assert 0 <= score <= 100
