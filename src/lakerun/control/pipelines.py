"""Pipelines in the control plane (seed 002): register a pipeline's job, then trigger one layer or all.

Registering keeps the exported multi-task job (one task per layer, running that layer's tables) in the
job registry under `pipeline:<name>`. A layer
trigger starts an attempt (subject `pipeline_layer`, key `<name>:<layer>`) that runs the registered job
with run-now's `only` set to that layer's task and the upstream layers holding a stale table it reads
(every task for `all`); the signed-callback arguments
reach the tasks as job parameters, so the layer's progress and figures arrive as callback events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakerun.control.attempts import TriggerRequest
from lakerun.control.pipeline_graph import stale_upstream_layers
from lakerun.control.plane import ControlPlane
from lakerun.control.registry import EnsureOutcome
from lakerun.errors import InvalidInputError, NotFoundError
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
        task_per="layer",
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
    raise NotFoundError(f"no pipeline `{name}` is registered in workspace `{workspace}`")


def layer_selection(settings: Mapping[str, Any], layer: str) -> list[str]:
    """The task keys a trigger of `layer` runs: that layer's task, or none for `all` (every task runs)."""
    keys = [task["task_key"] for task in settings.get("tasks", [])]
    if layer != ALL_LAYERS and layer not in keys:
        raise InvalidInputError(
            f"layer `{layer}` is not in this pipeline; choose one of: {', '.join([*keys, ALL_LAYERS])}"
        )
    return [] if layer == ALL_LAYERS else [layer]


def _task_ancestors(settings: Mapping[str, Any], layer: str) -> set[str]:
    """Every task `layer`'s task depends on, directly or not."""
    depends = {
        task["task_key"]: [d["task_key"] for d in task.get("depends_on") or []]
        for task in settings.get("tasks", [])
    }
    found: set[str] = set()
    pending = list(depends.get(layer, []))
    while pending:
        key = pending.pop()
        if key not in found:
            found.add(key)
            pending.extend(depends.get(key, []))
    return found


def trigger_selection(settings: Mapping[str, Any], layer: str) -> list[str]:
    """The task keys a trigger of `layer` runs: that layer's task and the upstream layers' tasks holding a
    stale table it reads (all upstream tasks when staleness cannot be judged here); none for `all`."""
    only = layer_selection(settings, layer)
    if not only:
        return []
    upstream = stale_upstream_layers(settings, layer)
    wanted = _task_ancestors(settings, layer) if upstream is None else set(upstream)
    return [task["task_key"] for task in settings["tasks"] if task["task_key"] in wanted | {layer}]


def trigger_layer(
    plane: ControlPlane, name: str, layer: str, workspace: str = "local", triggered_by: str = "api"
) -> AttemptRow:
    """Start an attempt running one layer (or all) of a registered pipeline."""
    row = _pipeline_job(plane, name, workspace)
    request = TriggerRequest(
        subject_key=f"{name}:{layer}",
        subject_kind=SUBJECT_KIND,
        workspace=workspace,
        strategy="shared_job",
        job_key=row.key,
        only=trigger_selection(row.settings, layer),
        triggered_by=triggered_by,
    )
    return plane.runs.trigger(request)
