"""New run records from a job's settings and a run-now request, or from a runs/submit body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakerun.local.errors import invalid_parameter
from lakerun.local.job_settings import parse_submit_tasks
from lakerun.local.run_model import JobRun, LifeCycleState, TaskRun, now_ms

LEGACY_PARAMETERS = (
    "python_params",
    "python_named_params",
    "notebook_params",
    "jar_params",
    "spark_submit_params",
    "sql_params",
)
RUN_SETTINGS = (
    "max_concurrent_runs",
    "queue",
    "timeout_seconds",
    "webhook_notifications",
    "email_notifications",
    "tags",
    "parameters",
    "format",
    "environments",
    "notification_settings",
    "health",
    "git_source",
    "job_clusters",
)


def job_run(
    job_id: int, settings: dict[str, Any], request: dict[str, Any], new_id: Callable[[], int]
) -> JobRun:
    """A run of a job for a run-now request (parameters, `only`, `queue` applied)."""
    _check_parameters(request)
    run = JobRun(
        run_id=new_id(),
        job_id=job_id,
        run_name=str(settings.get("name") or f"Untitled job {job_id}"),
        run_type="JOB_RUN",
        single_task=settings.get("format") == "SINGLE_TASK",
        settings=_run_settings(settings, request),
        overriding_parameters={key: request[key] for key in LEGACY_PARAMETERS if request.get(key)},
        job_parameters=_job_parameters(settings.get("parameters") or [], request.get("job_parameters") or {}),
        idempotency_token=request.get("idempotency_token"),
    )
    run.tasks = [
        new_task(task, new_id) for task in _selected(settings.get("tasks") or [], request.get("only"))
    ]
    return _started(run)


def scheduled_run(
    job_id: int, settings: dict[str, Any], new_id: Callable[[], int], trigger: str = "PERIODIC"
) -> JobRun:
    """A run the job starts by itself (schedule or periodic trigger, file arrival, continuous):
    run-now's run with default parameters, marked with the `trigger` that fired it."""
    run = job_run(job_id, settings, {}, new_id)
    run.trigger = trigger
    return run


def submit_run(request: dict[str, Any], new_id: Callable[[], int]) -> JobRun:
    """A one-time run for a runs/submit request."""
    tasks, single = parse_submit_tasks(request)
    settings = {key: request[key] for key in RUN_SETTINGS if key in request}
    settings["max_concurrent_runs"] = 1000
    run = JobRun(
        run_id=new_id(),
        run_name=str(request.get("run_name") or "Untitled"),
        run_type="SUBMIT_RUN",
        submit_job_id=new_id(),
        single_task=single,
        settings=settings,
        idempotency_token=request.get("idempotency_token"),
    )
    run.tasks = [new_task(task, new_id) for task in tasks]
    return _started(run)


def new_task(settings: dict[str, Any], new_id: Callable[[], int]) -> TaskRun:
    """A first attempt of a task, waiting for its upstream tasks if it has any."""
    run_id = new_id()
    task = TaskRun(
        task_key=str(settings["task_key"]), run_id=run_id, original_attempt_run_id=run_id, settings=settings
    )
    task.life_cycle_state = LifeCycleState.BLOCKED if task.depends_on else LifeCycleState.PENDING
    return task


def _started(run: JobRun) -> JobRun:
    run.start_time = run.queued_time = now_ms()
    if not run.tasks:
        raise invalid_parameter("The run has no tasks to run")
    token = run.idempotency_token
    if token is not None and len(str(token)) > 64:
        raise invalid_parameter("idempotency_token must be at most 64 characters")
    return run


def _check_parameters(request: dict[str, Any]) -> None:
    legacy = [key for key in LEGACY_PARAMETERS if request.get(key)]
    if request.get("job_parameters") and legacy:
        raise invalid_parameter(f"job_parameters cannot be used together with {', '.join(legacy)}")
    if request.get("notebook_params") and request.get("jar_params"):
        raise invalid_parameter("notebook_params and jar_params cannot both be given")
    for key in ("python_params", "python_named_params", "notebook_params", "job_parameters"):
        if key in request and not isinstance(request[key], list if key == "python_params" else dict):
            raise invalid_parameter(
                f"Invalid {key}: expected {'a list' if key == 'python_params' else 'an object'}"
            )


def _run_settings(settings: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    kept = {key: settings[key] for key in RUN_SETTINGS if key in settings}
    if request.get("queue") is not None:
        kept["queue"] = request["queue"]
    return kept


def _job_parameters(definitions: list[dict[str, Any]], given: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = [
        {
            "name": d["name"],
            "default": d.get("default", ""),
            "value": str(given.get(d["name"], d.get("default", ""))),
        }
        for d in definitions
    ]
    known = {d["name"] for d in definitions}
    parameters += [{"name": name, "value": str(value)} for name, value in given.items() if name not in known]
    return parameters


def _selected(tasks: list[dict[str, Any]], only: list[str] | None) -> list[dict[str, Any]]:
    if not only:
        return [dict(task) for task in tasks]
    keys = {task["task_key"] for task in tasks}
    unknown = [key for key in only if key not in keys]
    if unknown:
        raise invalid_parameter(f"Tasks in `only` are not part of the job: {', '.join(unknown)}")
    chosen = []
    for task in tasks:
        if task["task_key"] in only:
            deps = [dep for dep in task.get("depends_on") or [] if dep.get("task_key") in only]
            chosen.append(
                {**task, "depends_on": deps} if deps else {k: v for k, v in task.items() if k != "depends_on"}
            )
    return chosen
