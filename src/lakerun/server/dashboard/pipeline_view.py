"""The pipeline page's model: each registered pipeline's layers with the state and figures of their latest run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakerun.control.pipelines import ALL_LAYERS, SUBJECT_KIND, registered_pipelines
from lakerun.control.plane import ControlPlane
from lakerun.control.reads import AttemptFilter, layer_figures, task_statuses
from lakerun.control.records import Job
from lakerun.server.dashboard.views import AttemptView, attempt_views


@dataclass
class LayerState:
    """One layer as the chain shows it: the run that last touched it, its state there, and its figures."""

    name: str
    view: AttemptView | None = None
    status: str | None = None
    result: dict[str, Any] | None = None
    own: bool = True

    @property
    def live(self) -> bool:
        """True while this layer's run is active and this layer is what it is doing (or about to do)."""
        return self.view is not None and self.view.active and (self.own or self.status == "RUNNING")


@dataclass
class PipelineView:
    """A registered pipeline: its layers in order and its latest whole-pipeline run."""

    name: str
    workspace: str
    job_id: int
    layers: list[LayerState] = field(default_factory=list)
    all_run: AttemptView | None = None


def _latest(plane: ControlPlane, name: str, layer: str) -> AttemptView | None:
    rows, _ = plane.list_attempts(
        AttemptFilter(subject_kind=SUBJECT_KIND, subject_key=f"{name}:{layer}"), 1, 0
    )
    if not rows:
        return None
    return attempt_views(plane, rows)[0]


def _layer_state(
    plane: ControlPlane, layer: str, own: AttemptView | None, whole: AttemptView | None
) -> LayerState:
    """The newer of the layer's own run and the whole-pipeline run decides what the layer shows."""
    newest = max((v for v in (own, whole) if v), key=lambda v: v.attempt.created_at, default=None)
    if newest is None:
        return LayerState(layer)
    state = LayerState(
        layer, newest, newest.attempt.status, layer_figures(plane.ctx, newest.attempt.id).get(layer)
    )
    if newest is whole:
        state.own = False
        tasks = task_statuses(plane.ctx, newest.attempt.id)
        state.status = tasks.get(layer, "PENDING" if newest.active else newest.attempt.status)
    return state


def pipeline_views(plane: ControlPlane) -> list[PipelineView]:
    """Every registered pipeline with its layers' latest states."""
    return [_pipeline_view(plane, row) for row in registered_pipelines(plane)]


def _pipeline_view(plane: ControlPlane, row: Job) -> PipelineView:
    name = row.key.split(":", 1)[1]
    view = PipelineView(name, row.workspace_name, row.job_id, all_run=_latest(plane, name, ALL_LAYERS))
    for task in row.settings.get("tasks", []):
        layer = task["task_key"]
        view.layers.append(_layer_state(plane, layer, _latest(plane, name, layer), view.all_run))
    return view
