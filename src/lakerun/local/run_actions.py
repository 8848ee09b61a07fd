"""Operations on existing runs: cancel, cancel-all, repair and get-output."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from lakerun.local.dag import downstream_of, failed_task_keys
from lakerun.local.errors import invalid_parameter, invalid_state, unknown_id
from lakerun.local.job_store import JobStore
from lakerun.local.run_engine import RunEngine
from lakerun.local.run_factory import new_task
from lakerun.local.run_model import JobRun, TaskRun, now_ms
from lakerun.local.run_steps import request_cancel
from lakerun.local.task_runtime.notebook import find_notebook
from lakerun.local.task_spec import ERROR_FILE, EXIT_FILE, LOG_FILE, SPEC_FILE

OUTPUT_LIMIT = 5 * 1024 * 1024
MULTI_TASK_OUTPUT = (
    "Retrieving the output of runs with multiple tasks is not supported. "
    "Please retrieve the output of each individual task run instead."
)
LOG_TASK_TYPES = ("spark_python_task", "python_wheel_task", "spark_jar_task")


def existing_run(engine: RunEngine, run_id: int) -> JobRun:
    """The run with this id, or the error Databricks gives for an unknown run."""
    run = engine.get(run_id)
    if run is None:
        raise unknown_id(f"Run {run_id} does not exist.")
    return run


def cancel(engine: RunEngine, run_id: int) -> None:
    """Asks a run to stop: queued runs end at once, running tasks have their process trees killed."""
    if existing_run(engine, run_id).is_terminal:
        return
    engine.change(run_id, request_cancel)


def cancel_all(engine: RunEngine, job_id: int | None, all_queued_runs: bool) -> None:
    """Cancels every active run of a job, or every queued run of the workspace."""
    if job_id is None and not all_queued_runs:
        raise invalid_parameter("Either job_id or all_queued_runs must be given")
    for run in engine.active_runs(job_id):
        if job_id is not None or run.life_cycle_state == "QUEUED":
            engine.change(run.run_id, request_cancel)


def repair(engine: RunEngine, jobs: JobStore, run_id: int, request: dict[str, Any]) -> int:
    """Re-runs chosen tasks of a finished run (current job settings) and returns the repair id."""
    with engine.lock:
        return _repair(engine, jobs, existing_run(engine, run_id), request)


def _repair(engine: RunEngine, jobs: JobStore, run: JobRun, request: dict[str, Any]) -> int:
    run_id = run.run_id
    if not run.is_terminal:
        raise invalid_state(f"Run {run_id} is still active; only finished runs can be repaired.")
    _check_latest_repair(run, request.get("latest_repair_id"))
    keys = _keys_to_rerun(run, request)
    current = _current_tasks(jobs, run)
    repair_id = engine.new_id()
    if not run.repair_history:
        run.repair_history.append(run.history_item("ORIGINAL", None, (run.start_time, run.end_time)))
    for index, task in enumerate(run.tasks):
        if task.task_key in keys:
            run.past_attempts.append(task)
            run.tasks[index] = new_task(current.get(task.task_key, task.settings), engine.new_id)
    if request.get("job_parameters"):
        given = {str(k): str(v) for k, v in request["job_parameters"].items()}
        run.job_parameters = [{**p, "value": given.get(p["name"], p["value"])} for p in run.job_parameters]
    now = now_ms()
    run.reopen("RUNNING")
    run.cancel_requested = run.timed_out = False
    run.end_time = 0
    timeout = int(run.settings.get("timeout_seconds") or 0)
    run.deadline = now + timeout * 1000 if timeout > 0 else None
    new_ids = [t.run_id for t in run.tasks if t.task_key in keys]
    run.repair_history.append(run.history_item("REPAIR", repair_id, (now, 0), new_ids))
    engine.reopen(run)
    return repair_id


def _check_latest_repair(run: JobRun, latest: Any) -> None:
    repairs = [item["id"] for item in run.repair_history if item.get("type") == "REPAIR"]
    if repairs and latest is None:
        raise invalid_parameter("latest_repair_id is required to repair a run that was already repaired")
    if repairs and int(latest) != repairs[-1]:
        raise invalid_parameter(
            f"latest_repair_id {latest} is not the latest repair of run {run.run_id} ({repairs[-1]})"
        )


def _keys_to_rerun(run: JobRun, request: dict[str, Any]) -> set[str]:
    keys = {str(key) for key in request.get("rerun_tasks") or []}
    unknown = keys - {task.task_key for task in run.tasks}
    if unknown:
        raise invalid_parameter(f"Tasks not found in run {run.run_id}: {', '.join(sorted(unknown))}")
    if request.get("rerun_all_failed_tasks"):
        keys |= failed_task_keys(run)
    if request.get("rerun_dependent_tasks"):
        keys |= downstream_of(run, keys)
    if not keys:
        raise invalid_parameter(
            "No tasks to repair: give rerun_tasks or rerun_all_failed_tasks (the run has no failed task)"
        )
    return keys


def _current_tasks(jobs: JobStore, run: JobRun) -> dict[str, dict[str, Any]]:
    if run.job_id is None or not jobs.exists(run.job_id):
        return {}
    return {task["task_key"]: task for task in jobs.settings(run.job_id).get("tasks") or []}


def run_view(engine: RunEngine, run_id: int, base_url: str) -> dict[str, Any]:
    """runs/get: a job run, or a task run (any attempt) shown as a run of its own."""
    run = engine.get(run_id)
    if run is not None:
        return run.to_api(base_url)
    parent, task = _task_run(engine, run_id)
    return _task_metadata(parent, task, base_url)


def output(engine: RunEngine, run_id: int, base_url: str) -> dict[str, Any]:
    """runs/get-output of a task run (or of a single-task run's only task)."""
    run = engine.get(run_id)
    if run is None:
        run, task = _task_run(engine, run_id)
    elif run.single_task and len(run.tasks) == 1:
        task = run.tasks[0]
    else:
        raise invalid_parameter(MULTI_TASK_OUTPUT)
    return _task_output(run, task, engine.folder(task.run_id), base_url)


def export(engine: RunEngine, run_id: int) -> dict[str, Any]:
    """runs/export of a notebook task run: the notebook's source as an HTML view."""
    _, task = _task_run(engine, run_id)
    spec_file = engine.folder(task.run_id) / SPEC_FILE
    if "notebook_task" not in task.settings or not spec_file.exists():
        return {"views": []}
    try:
        source = find_notebook(Path(json.loads(spec_file.read_text())["target"])).read_text(errors="replace")
    except OSError:
        return {"views": []}
    content = (
        f"<html><body><h1>{html.escape(task.task_key)}</h1><pre>{html.escape(source)}</pre></body></html>"
    )
    return {"views": [{"content": content, "name": task.task_key, "type": "NOTEBOOK"}]}


def _task_run(engine: RunEngine, task_run_id: int) -> tuple[JobRun, TaskRun]:
    parent = engine.store.parent_of(task_run_id)
    run = engine.get(parent) if parent is not None else None
    task = run.find_task_run(task_run_id) if run else None
    if run is None or task is None:
        raise unknown_id(f"Run {task_run_id} does not exist.")
    return run, task


def _task_metadata(run: JobRun, task: TaskRun, base_url: str) -> dict[str, Any]:
    parent = run.to_api(base_url)
    task_api = task.to_api(parent["run_page_url"])
    metadata = {**parent, **task_api, "number_in_job": run.run_id, "tasks": [task_api]}
    if "for_each_task" in task.settings:
        metadata["iterations"] = [it.to_api(parent["run_page_url"]) for it in run.iterations_of(task)]
    metadata.pop("repair_history", None)
    return metadata


def _task_output(run: JobRun, task: TaskRun, folder: Path, base_url: str) -> dict[str, Any]:
    metadata = _task_metadata(run, task, base_url)
    metadata.pop("tasks", None)
    result: dict[str, Any] = {"metadata": metadata}
    if task.child_run_id is not None:
        result["run_job_output"] = {"run_id": task.child_run_id}
    if "notebook_task" in task.settings:
        result["notebook_output"] = _notebook_output(folder / EXIT_FILE)
    if any(kind in task.settings for kind in LOG_TASK_TYPES):
        logs, truncated = _tail(folder / LOG_FILE)
        result.update(logs=logs, logs_truncated=truncated)
    error_file = folder / ERROR_FILE
    if error_file.exists():
        error = json.loads(error_file.read_text())
        result.update(error=error.get("error", ""), error_trace=error.get("error_trace", ""))
    elif task.result_state not in (None, "SUCCESS") and task.state_message:
        result["error"] = task.state_message
    return result


def _notebook_output(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    value = str(json.loads(path.read_text()).get("result", ""))
    data = value.encode()
    if len(data) <= OUTPUT_LIMIT:
        return {"result": value, "truncated": False}
    return {"result": data[:OUTPUT_LIMIT].decode(errors="ignore"), "truncated": True}


def _tail(path: Path) -> tuple[str, bool]:
    if not path.exists():
        return "", False
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - OUTPUT_LIMIT))
        return handle.read().decode(errors="replace"), size > OUTPUT_LIMIT
