"""What a task runs with: its file or entry point, argv and widgets, after parameter push-down.

Follows Databricks' rules: legacy run-now parameters (`python_params`, `python_named_params`,
`notebook_params`) replace the task's own, job parameters are pushed to key-value tasks (notebooks,
wheels with named parameters) and win over task parameters, and `{{job.parameters.x}}`-style
references are resolved in every parameter.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lakerun.errors import LakerunError
from lakerun.local.paths import WorkspacePaths
from lakerun.local.run_model import JobRun, TaskRun
from lakerun.local.task_spec import TaskSpec

REFERENCE = re.compile(r"\{\{\s*([\w.\-]+)\s*\}\}")
MAPPED_PREFIXES = ("dbfs:", "/dbfs/", "/Workspace/", "/Volumes/")


class LaunchError(LakerunError):
    """A task cannot start; `code` is the Databricks termination code to report."""

    def __init__(self, message: str, code: str = "INVALID_RUN_CONFIGURATION") -> None:
        super().__init__(message)
        self.code = code


def build_spec(task: TaskRun, run: JobRun, paths: WorkspacePaths, folder: Path) -> TaskSpec:
    """The spec of one attempt of `task`, its outputs going to `folder`."""
    settings = task.settings
    references = task_references(task, run, task_values_dir(paths, run.run_id))
    job_params = {p["name"]: str(p.get("value", p.get("default", ""))) for p in run.job_parameters}
    overrides = run.overriding_parameters
    spec = TaskSpec(
        kind="",
        target="",
        output_dir=str(folder),
        task_values_dir=str(task_values_dir(paths, run.run_id)),
        workspace_root=str(paths.root),
        task_key=task.task_key,
        run_id=task.run_id,
        parent_run_id=run.run_id,
        job_id=run.job_id,
        widgets=job_params,
    )
    if "spark_python_task" in settings:
        python = settings["spark_python_task"]
        spec.kind, spec.target = "python_file", str(_local_file(paths, python["python_file"], run))
        spec.argv = list(overrides.get("python_params") or python.get("parameters") or [])
    elif "python_wheel_task" in settings:
        _wheel(spec, settings["python_wheel_task"], overrides, job_params)
    elif "notebook_task" in settings:
        notebook = settings["notebook_task"]
        spec.kind, spec.target = "notebook", str(_local_file(paths, notebook["notebook_path"], run))
        spec.widgets = _widgets(notebook, overrides, job_params)
    else:
        kinds = [key for key in settings if key.endswith("_task")] or ["(none)"]
        raise LaunchError(
            f"Task {task.task_key}: task type {kinds[0]} is not supported by the local workspace"
        )
    spec.argv = [resolve_references(arg, references) for arg in spec.argv]
    spec.widgets = {key: resolve_references(str(value), references) for key, value in spec.widgets.items()}
    return spec


def _widgets(
    notebook: dict[str, Any], overrides: dict[str, Any], job_params: dict[str, str]
) -> dict[str, str]:
    """Notebook widgets: base parameters, then run-now `notebook_params`, then job parameters."""
    return {
        **(notebook.get("base_parameters") or {}),
        **(overrides.get("notebook_params") or {}),
        **job_params,
    }


def task_libraries(task: TaskRun, run: JobRun) -> list[dict[str, Any]]:
    """The task's `libraries` plus the dependencies of the job environment its `environment_key` names."""
    libraries = list(task.settings.get("libraries") or [])
    key = task.settings.get("environment_key")
    for environment in run.settings.get("environments") or []:
        if key and environment.get("environment_key") == key:
            dependencies = (environment.get("spec") or {}).get("dependencies") or []
            libraries += [{"pypi": {"package": str(dependency)}} for dependency in dependencies]
    return libraries


def task_values_dir(paths: WorkspacePaths, run_id: int) -> Path:
    """Where the tasks of one job run share `dbutils.jobs.taskValues`."""
    return paths.root / "runs" / "task_values" / str(run_id)


def _wheel(
    spec: TaskSpec, wheel: dict[str, Any], overrides: dict[str, Any], job_params: dict[str, str]
) -> None:
    spec.kind = "wheel"
    spec.target = f"{wheel['package_name']}:{wheel['entry_point']}"
    positional = overrides.get("python_params") or wheel.get("parameters")
    named = {**(wheel.get("named_parameters") or {}), **(overrides.get("python_named_params") or {})}
    if named or (job_params and not positional):
        named.update(job_params)
        spec.argv = [f"--{key}={value}" for key, value in named.items()]
    else:
        spec.argv = list(positional or [])


def _local_file(paths: WorkspacePaths, path: str, run: JobRun) -> Path:
    if path.startswith(MAPPED_PREFIXES):
        return paths.resolve(path)
    local = Path(path)
    if local.is_absolute() and (local.exists() or local.parent.exists()):
        return local
    if path.startswith("/"):
        return paths.resolve_workspace(path)
    return _git_checkout(run, path) / path


def _git_checkout(run: JobRun, path: str) -> Path:
    """The local folder a job's `git_source.git_url` names (a path or `file://` URL): relative paths start there."""
    url = str((run.settings.get("git_source") or {}).get("git_url") or "")
    if not url:
        raise LaunchError(f"Relative path {path!r} needs the job's git_source")
    checkout = Path(url.removeprefix("file://"))
    if not checkout.is_dir():
        raise LaunchError(
            f"git_source {url} is not a local folder; the local workspace runs relative paths from a local checkout "
            "and does not clone repositories",
            "REPOSITORY_CHECKOUT_FAILED",
        )
    return checkout


def task_references(task: TaskRun, run: JobRun, values_dir: Path) -> dict[str, str]:
    """Values of the `{{...}}` references a task's parameters may use."""
    values = {
        "job.id": str(run.job_id or ""),
        "job.run_id": str(run.run_id),
        "run_id": str(run.run_id),
        "parent_run_id": str(run.run_id),
        "job.name": run.run_name,
        "task.name": task.task_key,
        "task_key": task.task_key,
        "task.run_id": str(task.run_id),
        "job.start_time.timestamp_ms": str(run.start_time),
    }
    for parameter in run.job_parameters:
        values[f"job.parameters.{parameter['name']}"] = str(
            parameter.get("value", parameter.get("default", ""))
        )
    if task.iteration_input is not None:
        values["input"] = task.iteration_input
    for other in run.tasks:
        if other.result_state:
            values[f"tasks.{other.task_key}.result_state"] = other.result_state.lower()
    for values_file in values_dir.glob("*.json"):
        for name, value in json.loads(values_file.read_text()).items():
            text = value if isinstance(value, str) else json.dumps(value)
            values[f"tasks.{values_file.stem}.values.{name}"] = text
    return values


def resolve_references(text: str, references: dict[str, str]) -> str:
    """`text` with every known `{{reference}}` replaced (unknown ones are left as written)."""
    return REFERENCE.sub(lambda match: references.get(match.group(1), match.group(0)), text)
