"""Operations on existing runs: cancel, cancel-all, delete, get, get-output and export."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from lakerun.local.errors import invalid_parameter, invalid_state, unknown_id
from lakerun.local.run_engine import RunEngine
from lakerun.local.run_model import JobRun, TaskRun
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
    engine.cancel(run_id)


def cancel_all(engine: RunEngine, job_id: int | None, all_queued_runs: bool) -> None:
    """Cancels every active run of a job, or every queued run of the workspace."""
    if job_id is None and not all_queued_runs:
        raise invalid_parameter("Either job_id or all_queued_runs must be given")
    for run in engine.active_runs(job_id):
        if job_id is not None or run.life_cycle_state == "QUEUED":
            engine.cancel(run.run_id)


def delete(engine: RunEngine, run_id: int) -> None:
    """Deletes a finished run (INVALID_STATE while it is active)."""
    run = existing_run(engine, run_id)
    if not run.is_terminal:
        raise invalid_state(f"Run {run.run_id} is active and cannot be deleted; cancel it first.")
    engine.delete(run)


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
    parent = engine.parent_of(task_run_id)
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
