"""Pipelines in the control plane (seed 002): register a pipeline's job, then trigger one layer or all.

Registering keeps the exported multi-task job in the job registry under `pipeline:<name>`. A layer
trigger starts an attempt (subject `pipeline_layer`, key `<name>:<layer>`) running only that layer's
task of the registered job, as a one-time run so each task receives its signed-callback arguments;
the layer's progress and figures then arrive as callback events of the attempt.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.registry import EnsureOutcome
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.export import DEFAULT_WHEEL, ExportOptions, job_settings
from lakerun.store.models import AttemptRow, JobRow

JOB_KEY_PREFIX = "pipeline:"
ALL_LAYERS = "all"
SUBJECT_KIND = "pipeline_layer"


@dataclass(frozen=True)
class PipelineRegistration:
    """Where a pipeline's config is, as the control plane and as the tasks see it, and what runs it."""

    config_path: str
    workspace: str = "local"
    task_config_path: str | None = None
    wheel: str = DEFAULT_WHEEL
    variables: Mapping[str, str] | None = None


def register_pipeline(plane: ControlPlane, registration: PipelineRegistration) -> tuple[str, EnsureOutcome]:
    """Validate the pipeline config and keep its job in the registry; returns the pipeline name."""
    variables = dict(registration.variables or {})
    config = load_pipeline(registration.config_path, variables).config
    options = ExportOptions(
        config_path=registration.task_config_path or registration.config_path,
        wheel=registration.wheel,
        variables=variables,
    )
    outcome = plane.ensure_job(
        registration.workspace, JOB_KEY_PREFIX + config.name, job_settings(config, options)
    )
    return config.name, outcome


def registered_pipelines(plane: ControlPlane, workspace: str | None = None) -> list[JobRow]:
    """The pipeline jobs the registry keeps."""
    return [row for row in plane.jobs(workspace) if row.key.startswith(JOB_KEY_PREFIX)]


def _pipeline_job(plane: ControlPlane, name: str, workspace: str) -> JobRow:
    for row in registered_pipelines(plane, workspace):
        if row.key == JOB_KEY_PREFIX + name:
            return row
    raise LookupError(f"no pipeline `{name}` is registered in workspace `{workspace}`")


def _without_job_parameter_references(task: dict[str, Any]) -> dict[str, Any]:
    """A task without the `{{job.parameters...}}` callback arguments (a one-time run gets real values)."""
    wheel = task.get("python_wheel_task")
    if wheel and wheel.get("parameters"):
        wheel["parameters"] = [p for p in wheel["parameters"] if "{{job.parameters." not in p]
    return task


def layer_tasks(settings: Mapping[str, Any], layer: str) -> list[dict[str, Any]]:
    """The tasks running `layer` (or every layer), their dependencies kept only within the selection."""
    tasks = [copy.deepcopy(task) for task in settings.get("tasks", [])]
    keys = [task["task_key"] for task in tasks]
    selected = keys if layer == ALL_LAYERS else [layer]
    if any(key not in keys for key in selected):
        raise ValueError(
            f"layer `{layer}` is not in this pipeline; choose one of: {', '.join([*keys, ALL_LAYERS])}"
        )
    chosen = []
    for task in tasks:
        if task["task_key"] in selected:
            depends = [d for d in task.pop("depends_on", None) or [] if d["task_key"] in selected]
            chosen.append(
                _without_job_parameter_references({**task, **({"depends_on": depends} if depends else {})})
            )
    return chosen


def trigger_layer(
    plane: ControlPlane, name: str, layer: str, workspace: str = "local", triggered_by: str = "api"
) -> AttemptRow:
    """Start an attempt running one layer (or all) of a registered pipeline."""
    row = _pipeline_job(plane, name, workspace)
    request = TriggerRequest(
        subject_key=f"{name}:{layer}",
        subject_kind=SUBJECT_KIND,
        workspace=workspace,
        strategy="one_time",
        tasks=layer_tasks(row.settings, layer),
        triggered_by=triggered_by,
    )
    return plane.runs.trigger(request)
