"""The Jobs API 2.0 shapes: a single-task job's task fields sit at the top of its settings, and a
single-task run carries `task` and `cluster_spec` instead of `tasks[]`; multi-task jobs and runs
look as in 2.1."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

TASK_TYPES = (
    "spark_python_task",
    "python_wheel_task",
    "notebook_task",
    "spark_jar_task",
    "spark_submit_task",
    "pipeline_task",
    "sql_task",
    "dbt_task",
)
CLUSTER_FIELDS = ("existing_cluster_id", "new_cluster", "libraries")
TASK_ONLY_FIELDS = ("task_key", "depends_on", "run_if", "description")


def is_v20(request: Request) -> bool:
    """Whether the client called the 2.0 prefix (the legacy CLI's default)."""
    return request.url.path.startswith("/api/2.0/")


def job_v20(job: dict[str, Any]) -> dict[str, Any]:
    """A `Job` of jobs/get or jobs/list in 2.0's shape."""
    settings = dict(job.get("settings") or {})
    tasks = settings.get("tasks") or []
    if settings.get("format") != "SINGLE_TASK" or len(tasks) != 1:
        return job
    settings.pop("tasks")
    lifted = {key: value for key, value in tasks[0].items() if key not in TASK_ONLY_FIELDS}
    return {**job, "settings": {**settings, **lifted}}


def run_v20(run: dict[str, Any]) -> dict[str, Any]:
    """A `Run` of runs/get or runs/list in 2.0's shape."""
    tasks = run.get("tasks") or []
    if run.get("format") != "SINGLE_TASK" or len(tasks) != 1:
        return run
    task = tasks[0]
    shaped = {key: value for key, value in run.items() if key != "tasks"}
    shaped["task"] = {key: task[key] for key in TASK_TYPES if key in task}
    shaped["cluster_spec"] = {key: task[key] for key in CLUSTER_FIELDS if key in task}
    if "cluster_instance" in task:
        shaped["cluster_instance"] = task["cluster_instance"]
    return shaped
