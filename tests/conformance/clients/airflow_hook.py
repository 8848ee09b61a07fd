"""Driven by the conformance suite inside the Airflow venv: Airflow's Databricks hook, operators and
trigger against a local workspace. argv: job id of a job whose only task fails when a marker file
is missing (and creates it, so a repair succeeds), that marker's path, a python file for a one-time run. Prints one JSON line of findings."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from airflow.providers.databricks.hooks.databricks import DatabricksHook
from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator
from airflow.providers.databricks.triggers.databricks import DatabricksExecutionTrigger


def wait(hook: DatabricksHook, run_id: int) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = hook.get_run_state(run_id)
        if state.is_terminal:
            return state.result_state
        time.sleep(0.1)
    raise TimeoutError(run_id)


async def trigger_event(run_id: int) -> dict:
    trigger = DatabricksExecutionTrigger(
        run_id=run_id, databricks_conn_id="databricks_default", polling_period_seconds=0.2
    )
    async for event in trigger.run():
        return dict(event.payload)
    raise RuntimeError("the trigger ended without an event")


def main() -> None:
    job_id, marker, python_file = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    hook = DatabricksHook(retry_limit=1)
    found: dict = {"job_by_name": hook.find_job_id_by_name("flaky")}
    run_id = hook.run_now({"job_id": job_id})
    found["first"] = wait(hook, run_id)
    found["repair_before"] = hook.get_latest_repair_id(run_id)
    repair_id = hook.repair_run({"run_id": run_id, "rerun_all_failed_tasks": True, "latest_repair_id": None})
    found["repaired"] = wait(hook, run_id)
    found["repair_after_matches"] = hook.get_latest_repair_id(run_id) == repair_id
    found["page_url"] = hook.get_run_page_url(run_id)

    marker.unlink()
    operator = DatabricksRunNowOperator(
        task_id="again", job_id=job_id, repair_run=True, do_xcom_push=False, polling_period_seconds=0.1
    )
    try:
        operator.execute(context={})
        found["operator"] = "returned"
    except Exception as exc:
        found["operator"] = type(exc).__name__
    found["operator_run_id"] = operator.run_id

    submit_id = hook.submit_run(
        {"run_name": "once", "tasks": [{"task_key": "t", "spark_python_task": {"python_file": python_file}}]}
    )
    found["submit_job_id"] = hook.get_job_id(submit_id)
    event = asyncio.run(trigger_event(submit_id))
    found["trigger_state"] = json.loads(event["run_state"])["result_state"]
    print(json.dumps(found))


if __name__ == "__main__":
    main()
