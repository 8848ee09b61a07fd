"""Starting a profile run: the registry keeps one job per table group, and each run is an attempt of it.

The attempt's subject is the table group (kind `table_group`, key = the group's name), so the attempt
machinery gives a profile run its history, status rule, callbacks, reconciler and failure handling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lakerun.quality.job
from lakerun.control.attempts import TriggerRequest
from lakerun.control.errors import describe, is_transient
from lakerun.control.plane import ControlPlane
from lakerun.control.profiling.catalog import SUBJECT_KIND, get_group
from lakerun.errors import InvalidInputError, LakerunError, NotFoundError, UnavailableError, UpstreamError
from lakerun.store.models import AttemptRow
from lakerun.store.profiling import ConnectionRow, TableGroupRow

JOB_KEY_PREFIX = "profile:"
TASK_KEY = "profile"
ENTRY_POINT = "lakerun-profile"
DEFAULT_TASK_FILE = str(Path(lakerun.quality.job.__file__).resolve())


@dataclass(frozen=True)
class ProfileRunOptions:
    """How the job's task reaches the profiling entry point: the lakerun wheel's `lakerun-profile` script
    when a wheel is given (Databricks), else a python file the workspace can run (local)."""

    task_file: str = DEFAULT_TASK_FILE
    wheel: str | None = None
    timeout_seconds: float | None = None


def group_spec(group: TableGroupRow, connection: ConnectionRow) -> dict[str, Any]:
    """The JSON the workload-side job reads: the connection and the masks (secrets stay `env:` references)."""
    return {
        "group": group.name,
        "connection": {"kind": connection.kind, "location": connection.location},
        "include": list(group.include),
        "exclude": list(group.exclude),
    }


def job_settings(
    group: TableGroupRow, connection: ConnectionRow, options: ProfileRunOptions
) -> dict[str, Any]:
    """The one job of a table group: a single task running `lakerun.quality.job` on the group's spec."""
    spec = json.dumps(group_spec(group, connection), sort_keys=True)
    parameters = [f"{lakerun.quality.job.SPEC_ARGUMENT}{spec}"]
    task: dict[str, Any] = {"task_key": TASK_KEY}
    if options.wheel:
        task["python_wheel_task"] = {
            "package_name": "lakerun",
            "entry_point": ENTRY_POINT,
            "parameters": parameters,
        }
        task["libraries"] = [{"whl": options.wheel}]
    else:
        task["spark_python_task"] = {"python_file": options.task_file, "parameters": parameters}
    return {"name": f"lakerun profile {group.name}", "max_concurrent_runs": 5, "tasks": [task]}


def _keep_job(plane: ControlPlane, workspace: str, key: str, settings: dict[str, Any]) -> None:
    """Register the group's job; when the workspace cannot be reached but the job is known, the attempt's
    own launch retries or fails it, otherwise the error names the workspace and the reason (an unknown
    workspace is the caller's error, an unreachable one a 503, a refusal a 502)."""
    try:
        plane.ensure_job(workspace, key, settings)
    except Exception as exc:
        if any(row.key == key for row in plane.jobs(workspace)):
            return
        refusal: type[LakerunError] = UpstreamError
        if isinstance(exc, NotFoundError):
            refusal = InvalidInputError
        elif is_transient(exc):
            refusal = UnavailableError
        raise refusal(
            f"cannot register the profile job in workspace `{workspace}`: {describe(exc)}"
        ) from None


def trigger_profile_run(
    plane: ControlPlane,
    group_id: int,
    options: ProfileRunOptions | None = None,
    triggered_by: str = "api",
) -> AttemptRow:
    """Keep the group's job current in the registry, then start a profile run as an attempt of it."""
    options = options or ProfileRunOptions()
    group, connection = get_group(plane, group_id)
    key = JOB_KEY_PREFIX + group.name
    _keep_job(plane, connection.workspace_name, key, job_settings(group, connection, options))
    request = TriggerRequest(
        subject_key=group.name,
        subject_kind=SUBJECT_KIND,
        workspace=connection.workspace_name,
        strategy="shared_job",
        job_key=key,
        triggered_by=triggered_by,
        timeout_seconds=options.timeout_seconds,
    )
    return plane.runs.trigger(request)
