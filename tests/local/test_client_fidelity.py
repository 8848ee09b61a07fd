"""Answers other Databricks clients depend on: Airflow's repair and deferrable reads, the legacy
CLI's 2.0 shapes, and Databricks' 400 for unknown ids."""

from __future__ import annotations

import httpx
import pytest
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist
from databricks.sdk.service import jobs

from tests.local.conftest import python_task, result_of, wait_for


def _get(workspace, version: str, path: str, **params: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {workspace.token}"}
    return httpx.get(f"{workspace.url}/api/{version}/{path}", params=params, headers=headers)  # type: ignore[arg-type]


def _latest_repair_id(workspace, run_id: int) -> int | None:
    """What Airflow's `DatabricksHook.get_latest_repair_id` does with runs/get."""
    history = _get(workspace, "2.1", "jobs/runs/get", run_id=run_id, include_history="true").json()[
        "repair_history"
    ]
    return None if len(history) == 1 else history[-1]["id"]


def test_repair_history_is_there_before_any_repair(local_workspace, ws_client, script) -> None:
    path = script("fail.py", "raise SystemExit(3)\n")
    job_id = ws_client.jobs.create(name="repairable", tasks=[python_task("t", path)]).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "FAILED"
    assert _latest_repair_id(local_workspace, run.run_id) is None  # type: ignore[arg-type]
    original = _get(local_workspace, "2.1", "jobs/runs/get", run_id=run.run_id).json()["repair_history"]
    assert [item["type"] for item in original] == ["ORIGINAL"]
    repair_id = ws_client.jobs.repair_run(run_id=run.run_id, rerun_all_failed_tasks=True).response.repair_id
    wait_for(ws_client, run.run_id)  # type: ignore[arg-type]
    assert _latest_repair_id(local_workspace, run.run_id) == repair_id  # type: ignore[arg-type]


def test_submit_runs_report_a_job_id(local_workspace, ws_client, script) -> None:
    task = jobs.SubmitTask(
        task_key="t", spark_python_task=jobs.SparkPythonTask(python_file=script("ok.py", ""))
    )
    run_id = ws_client.jobs.submit(run_name="one-time", tasks=[task]).run_id
    answer = _get(local_workspace, "2.1", "jobs/runs/get", run_id=run_id).json()
    assert isinstance(answer["job_id"], int) and answer["job_id"] != run_id
    assert wait_for(ws_client, run_id).job_id == answer["job_id"]


def test_unknown_ids_answer_400_invalid_parameter_value(local_workspace, ws_client) -> None:
    for path, params in (("jobs/get", {"job_id": 987654}), ("jobs/runs/get", {"run_id": 987654})):
        answer = _get(local_workspace, "2.1", path, **params)
        assert answer.status_code == 400
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert "987654 does not exist" in answer.json()["message"]
    with pytest.raises(ResourceDoesNotExist):
        ws_client.jobs.get(987654)
    with pytest.raises(ResourceDoesNotExist):
        ws_client.jobs.get_run(987654)
    with pytest.raises(InvalidParameterValue, match="Job 987654 does not exist"):
        ws_client.jobs.run_now(job_id=987654)
    with pytest.raises(InvalidParameterValue, match="Run 987654 does not exist"):
        ws_client.jobs.cancel_run(987654)


def test_api_2_0_answers_in_2_0_shapes(local_workspace, ws_client, script) -> None:
    path = script("single.py", "print('single')\n")
    headers = {"Authorization": f"Bearer {local_workspace.token}"}
    body = {"name": "legacy", "existing_cluster_id": "local", "spark_python_task": {"python_file": path}}
    job_id = httpx.post(f"{local_workspace.url}/api/2.0/jobs/create", json=body, headers=headers).json()[
        "job_id"
    ]
    multi_id = ws_client.jobs.create(
        name="multi", tasks=[python_task("a", path), python_task("b", path)]
    ).job_id

    settings = _get(local_workspace, "2.0", "jobs/get", job_id=job_id).json()["settings"]
    assert settings["spark_python_task"] == {"python_file": path}
    assert settings["existing_cluster_id"] == "local" and "tasks" not in settings
    assert "tasks" in _get(local_workspace, "2.1", "jobs/get", job_id=job_id).json()["settings"]
    listed = {
        job["job_id"]: job["settings"] for job in _get(local_workspace, "2.0", "jobs/list").json()["jobs"]
    }
    assert listed[job_id]["spark_python_task"] == {"python_file": path}
    assert [task["task_key"] for task in listed[multi_id]["tasks"]] == ["a", "b"]

    run_id = ws_client.jobs.run_now(job_id=job_id).run_id
    wait_for(ws_client, run_id)
    run = _get(local_workspace, "2.0", "jobs/runs/get", run_id=run_id).json()
    assert run["task"] == {"spark_python_task": {"python_file": path}}
    assert run["cluster_spec"] == {"existing_cluster_id": "local"} and "tasks" not in run
    assert run["state"]["result_state"] == "SUCCESS" and run["job_id"] == job_id
    listed_runs = _get(local_workspace, "2.0", "jobs/runs/list", job_id=job_id).json()["runs"]
    assert listed_runs[0]["task"] == run["task"]
