"""Parsing and validating job settings the way the Jobs API does, through the SDK's own dataclasses.

Accepts both the multi-task form (`tasks[]`) and the Jobs 2.0 single-task form whose task fields
(`spark_python_task`, `existing_cluster_id`, ...) sit at the top level, as seed 000's scripts send it.
"""

from __future__ import annotations

import re
from typing import Any

from databricks.sdk.service.jobs import JobSettings, SubmitTask

from lakerun.local.continuous_jobs import validate_continuous
from lakerun.local.errors import invalid_parameter, malformed_request
from lakerun.local.file_arrival import validate_file_arrival
from lakerun.local.job_schedules import validate_trigger_fields

# Task-level fields the Jobs 2.0 form puts at the top level of the job.
SINGLE_TASK_FIELDS = (
    "spark_python_task",
    "python_wheel_task",
    "notebook_task",
    "spark_jar_task",
    "spark_submit_task",
    "existing_cluster_id",
    "new_cluster",
    "libraries",
    "max_retries",
    "min_retry_interval_millis",
    "retry_on_timeout",
)
TASK_KEY = re.compile(r"^[\w\-]{1,100}$")
RUN_IF_VALUES = {
    "ALL_SUCCESS",
    "ALL_DONE",
    "NONE_FAILED",
    "AT_LEAST_ONE_SUCCESS",
    "ALL_FAILED",
    "AT_LEAST_ONE_FAILED",
}
RUNNABLE_TASK_TYPES = ("spark_python_task", "python_wheel_task", "notebook_task")


def parse_job_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Normalized, validated job settings from a jobs/create or jobs/reset body."""
    if not isinstance(raw, dict):
        raise malformed_request("Job settings must be a JSON object")
    _validate_triggers(raw)
    body = _lift_single_task(dict(raw), raw.get("name") or "Untitled")
    settings = JobSettings.from_dict(body).as_dict()
    settings.setdefault("max_concurrent_runs", 1)
    settings.setdefault("format", "MULTI_TASK")
    validate_job_settings(settings)
    return settings


def parse_submit_tasks(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The tasks of a runs/submit body, and whether it used the single-task form."""
    body = _lift_single_task(dict(raw), raw.get("run_name") or "Untitled")
    tasks = [SubmitTask.from_dict(task).as_dict() for task in body.get("tasks") or []]
    if not tasks:
        raise invalid_parameter("A one-time run needs at least one task")
    _validate_tasks(tasks)
    return tasks, body.get("format") == "SINGLE_TASK"


def validate_job_settings(settings: dict[str, Any]) -> None:
    """Refuses settings Databricks refuses, naming the offending field."""
    if len(str(settings.get("name", "")).encode()) > 4096:
        raise invalid_parameter("Job name must be at most 4096 bytes")
    max_runs = settings.get("max_concurrent_runs", 1)
    if not isinstance(max_runs, int) or not 0 <= max_runs <= 1000:
        raise invalid_parameter(f"max_concurrent_runs must be between 0 and 1000, got {max_runs!r}")
    if len(settings.get("tags") or {}) > 25:
        raise invalid_parameter("A job can have at most 25 tags")
    for parameter in settings.get("parameters") or []:
        if not re.fullmatch(r"[\w\-.]+", str(parameter.get("name", ""))):
            raise invalid_parameter(f"Invalid job parameter name: {parameter.get('name')!r}")
        if "default" not in parameter:
            raise invalid_parameter(f"Job parameter {parameter['name']} needs a default")
    _validate_triggers(settings)
    _validate_tasks(settings.get("tasks") or [])


def _validate_triggers(settings: dict[str, Any]) -> None:
    """Checks `schedule`, `trigger` (periodic and file arrival) and `continuous` on a raw body."""
    validate_trigger_fields(settings)
    validate_continuous(settings)
    trigger = settings.get("trigger")
    if isinstance(trigger, dict):
        validate_file_arrival(trigger)


def merge_update(
    settings: dict[str, Any], new_settings: dict[str, Any], fields_to_remove: list[str]
) -> dict[str, Any]:
    """jobs/update: top-level fields replaced, `tasks`/`job_clusters` merged by key, then removals."""
    merged = dict(settings)
    _validate_triggers(new_settings)
    new_settings = _lift_into_single_task(settings, dict(new_settings))
    for name, value in JobSettings.from_dict(new_settings).as_dict().items():
        if name == "tasks":
            merged[name] = _merge_by_key(merged.get(name) or [], value, "task_key")
        elif name == "job_clusters":
            merged[name] = _merge_by_key(merged.get(name) or [], value, "job_cluster_key")
        else:
            merged[name] = value
    for path in fields_to_remove:
        _remove_field(merged, path)
    validate_job_settings(merged)
    return merged


def _lift_single_task(body: dict[str, Any], name: str) -> dict[str, Any]:
    lifted = {key: body.pop(key) for key in SINGLE_TASK_FIELDS if key in body}
    if not any(key.endswith("_task") for key in lifted):
        body.update(lifted)
        return body
    if body.get("tasks"):
        raise invalid_parameter("Give either tasks or a top-level task, not both")
    task_key = re.sub(r"[^\w\-]", "_", name)[:100] or "task"
    body["tasks"] = [{"task_key": task_key, **lifted}]
    body["format"] = "SINGLE_TASK"
    return body


def _lift_into_single_task(settings: dict[str, Any], new_settings: dict[str, Any]) -> dict[str, Any]:
    """A Jobs 2.0 update of a single-task job may carry task fields at the top level: merge them into its task."""
    lifted = {key: new_settings.pop(key) for key in SINGLE_TASK_FIELDS if key in new_settings}
    tasks = settings.get("tasks") or []
    if lifted and (settings.get("format") != "SINGLE_TASK" or len(tasks) != 1):
        raise invalid_parameter(f"Top-level task fields ({', '.join(lifted)}) only apply to single-task jobs")
    if lifted:
        new_settings["tasks"] = [{**tasks[0], **lifted}]
    return new_settings


def _validate_tasks(tasks: list[dict[str, Any]]) -> None:
    keys = [task.get("task_key") for task in tasks]
    for task in tasks:
        key = task.get("task_key")
        if not key or not TASK_KEY.match(str(key)):
            raise invalid_parameter(f"Invalid task_key {key!r}: use 1-100 letters, digits, '-' or '_'")
        if keys.count(key) > 1:
            raise invalid_parameter(f"Task key {key} is used by more than one task")
        if task.get("run_if", "ALL_SUCCESS") not in RUN_IF_VALUES:
            raise invalid_parameter(f"Task {key}: invalid run_if {task.get('run_if')!r}")
        for dependency in task.get("depends_on") or []:
            if dependency.get("task_key") not in keys:
                raise invalid_parameter(
                    f"Task {key} depends on {dependency.get('task_key')!r}, which is not a task of this job"
                )
    _refuse_cycles({str(task["task_key"]): _upstream(task) for task in tasks})


def _upstream(task: dict[str, Any]) -> list[str]:
    return [str(dep["task_key"]) for dep in task.get("depends_on") or []]


def _refuse_cycles(graph: dict[str, list[str]]) -> None:
    done: set[str] = set()

    def visit(key: str, trail: tuple[str, ...]) -> None:
        if key in trail:
            raise invalid_parameter(f"Task dependencies form a cycle: {' -> '.join((*trail, key))}")
        if key in done:
            return
        for upstream in graph.get(key, []):
            visit(upstream, (*trail, key))
        done.add(key)

    for key in graph:
        visit(key, ())


def _merge_by_key(
    current: list[dict[str, Any]], updates: list[dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    merged = {item[key]: item for item in current}
    for item in updates:
        merged[item[key]] = item
    return list(merged.values())


def _remove_field(settings: dict[str, Any], path: str) -> None:
    head, _, item = path.partition("/")
    if not item:
        settings.pop(head, None)
        return
    key = "task_key" if head == "tasks" else "job_cluster_key"
    settings[head] = [entry for entry in settings.get(head) or [] if entry.get(key) != item]
