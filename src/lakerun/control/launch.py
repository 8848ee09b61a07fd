"""Starting an attempt's run in its workspace, per strategy, with an idempotency token from the attempt id."""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass
from typing import Any

from databricks.sdk import WorkspaceClient, errors
from databricks.sdk.service import jobs

from lakerun.control.registry import create_kwargs, find_tagged_job
from lakerun.errors import InvalidInputError

STRATEGIES = ("shared_job", "job_per_attempt", "one_time")
COMPUTE_KEYS = ("existing_cluster_id", "new_cluster", "job_cluster_key", "environment_key")
ATTEMPT_TAG = "lakerun_attempt"
SUBJECT_TAG = "lakerun_subject"
RUN_OPTIONS = ("timeout_seconds", "only", "concurrency")
"""Keys of an attempt's spec that shape its run, not the job's settings."""
CALLBACK_PARAMETERS = (
    "lakerun_attempt_id",
    "lakerun_callback_url",
    "lakerun_callback_secret",
    "lakerun_callback_secret_ref",
)


@dataclass(frozen=True)
class SecretPlacement:
    """A callback secret to put in a workspace secret scope before the run starts."""

    scope: str
    key: str
    value: str


@dataclass(frozen=True)
class LaunchRequest:
    """Everything needed to start (or re-find) the run of one attempt."""

    attempt_id: str
    attempt_number: int
    strategy: str
    subject_key: str
    spec: dict[str, Any]
    parameters: dict[str, str]
    callback: dict[str, str] | None
    job_id: int | None = None
    secret: SecretPlacement | None = None
    default_cluster_id: str | None = None

    def task(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A task of the spec with callback settings and parameters added, on the default cluster if it names none."""
        task = with_arguments(spec, {**self.parameters, **(self.callback or {})})
        if self.default_cluster_id and not any(key in task for key in COMPUTE_KEYS):
            task["existing_cluster_id"] = self.default_cluster_id
        return task

    @property
    def idempotency_token(self) -> str:
        """The workspace launches exactly one run per token, so retries and restarts never duplicate a run."""
        return "lakerun-" + self.attempt_id.replace("-", "")


@dataclass(frozen=True)
class Launched:
    """The run that now belongs to the attempt."""

    job_id: int | None
    run_id: int


def with_arguments(task: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """A copy of a task dict whose python/wheel arguments or notebook parameters also carry `values`."""
    task = copy.deepcopy(task)
    args = [f"--{name.replace('_', '-')}={value}" for name, value in values.items()]
    for kind in ("spark_python_task", "python_wheel_task"):
        if kind in task:
            body = task[kind]
            if kind == "python_wheel_task" and "named_parameters" in body:
                body["named_parameters"] = {**body["named_parameters"], **values}
            else:
                body["parameters"] = [*body.get("parameters", []), *args]
    if "notebook_task" in task:
        body = task["notebook_task"]
        body["base_parameters"] = {**body.get("base_parameters", {}), **values}
    return task


def job_parameter_references(settings: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Job settings that declare `names` as job parameters and pass them to python/wheel tasks by reference."""
    settings = copy.deepcopy(settings)
    declared = {p["name"] for p in settings.get("parameters", [])}
    settings["parameters"] = [
        *settings.get("parameters", []),
        *({"name": name, "default": ""} for name in names if name not in declared),
    ]
    refs = {name: f"{{{{job.parameters.{name}}}}}" for name in names}
    settings["tasks"] = [_with_references(task, refs) for task in settings.get("tasks", [])]
    return settings


def _with_references(task: dict[str, Any], refs: dict[str, str]) -> dict[str, Any]:
    if "notebook_task" in task:
        return task
    return with_arguments(task, refs)


def launch(client: WorkspaceClient, request: LaunchRequest) -> Launched:
    """Starts the attempt's run with its strategy; calling it again for the same attempt finds the same run."""
    if request.secret is not None:
        place_secret(client, request.secret)
    if request.strategy == "shared_job":
        parameters = {**request.parameters, **(request.callback or {})}
        return _run_now(client, request, _require(request.job_id, "shared_job needs a job key"), parameters)
    if request.strategy == "job_per_attempt":
        return _run_now(client, request, _attempt_job(client, request), {})
    if request.strategy == "one_time":
        return _submit(client, request)
    raise InvalidInputError(f"unknown strategy {request.strategy!r}; expected one of {', '.join(STRATEGIES)}")


def place_secret(client: WorkspaceClient, secret: SecretPlacement) -> None:
    """Stores the callback secret in its scope (created on first use), where only the task reads it."""
    with contextlib.suppress(errors.ResourceAlreadyExists):
        client.secrets.create_scope(scope=secret.scope)
    client.secrets.put_secret(scope=secret.scope, key=secret.key, string_value=secret.value)


def _require(value: int | None, message: str) -> int:
    if value is None:
        raise InvalidInputError(message)
    return value


def _run_now(
    client: WorkspaceClient, request: LaunchRequest, job_id: int, parameters: dict[str, str]
) -> Launched:
    waiter = client.jobs.run_now(
        job_id=job_id,
        job_parameters=parameters or None,
        idempotency_token=request.idempotency_token,
        only=list(request.spec.get("only") or []) or None,
    )
    return Launched(job_id, _run_id(waiter.response))


def _submit(client: WorkspaceClient, request: LaunchRequest) -> Launched:
    tasks = [jobs.SubmitTask.from_dict(request.task(task)) for task in request.spec["tasks"]]
    waiter = client.jobs.submit(
        run_name=f"lakerun {request.subject_key} #{request.attempt_number}",
        tasks=tasks,
        idempotency_token=request.idempotency_token,
        timeout_seconds=request.spec.get("timeout_seconds"),
    )
    return Launched(None, _run_id(waiter.response))


def _run_id(response: Any) -> int:
    run_id = getattr(response, "run_id", None)
    if run_id is None:
        raise RuntimeError("the workspace returned no run_id")
    return int(run_id)


def attempt_job_name(request: LaunchRequest) -> str:
    """The name of the job made for one attempt (unique: it carries the attempt id)."""
    return f"lakerun-{request.subject_key}-{request.attempt_number}-{request.attempt_id[:8]}"[:4096]


def _attempt_job(client: WorkspaceClient, request: LaunchRequest) -> int:
    """The job made for this attempt: re-found by its tag after a crash, otherwise created."""
    name = attempt_job_name(request)
    existing = find_tagged_job(client, name, ATTEMPT_TAG, request.attempt_id)
    if existing is not None:
        return existing
    settings = {k: v for k, v in request.spec.items() if k not in RUN_OPTIONS}
    settings["tasks"] = [request.task(task) for task in settings.get("tasks", [])]
    settings["name"] = name
    settings["tags"] = {
        **settings.get("tags", {}),
        ATTEMPT_TAG: request.attempt_id,
        SUBJECT_TAG: request.subject_key[:255],
    }
    if request.spec.get("timeout_seconds"):
        settings["timeout_seconds"] = request.spec["timeout_seconds"]
    created = client.jobs.create(**create_kwargs(jobs.JobSettings.from_dict(settings)))
    return _require(created.job_id, "the workspace returned no job_id for the attempt's job")
