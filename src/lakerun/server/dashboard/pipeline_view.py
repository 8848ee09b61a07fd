"""The pipeline page's model: each registered pipeline's layers with the state and figures of their latest run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from lakerun.control.pipelines import ALL_LAYERS, SUBJECT_KIND, registered_pipelines
from lakerun.control.plane import ControlPlane
from lakerun.server.dashboard.views import AttemptView, attempt_views
from lakerun.store.attempts import AttemptFilter, AttemptRepository
from lakerun.store.models import JobRow
from lakerun.store.records import CallbackEventRepository


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
    with plane.ctx.sessions() as session:
        return attempt_views(session, rows)[0]


def _figures(session: Session, attempt_id: str) -> dict[str, dict[str, Any]]:
    """The `pipeline_layer` metrics an attempt's tasks sent, by layer."""
    events = CallbackEventRepository(session).of_attempt(attempt_id, ("metric",))
    return {
        str(e.payload.get("task")): e.payload["value"]
        for e in events
        if e.payload.get("name") == "pipeline_layer" and isinstance(e.payload.get("value"), dict)
    }


def _layer_state(
    session: Session, layer: str, own: AttemptView | None, whole: AttemptView | None
) -> LayerState:
    """The newer of the layer's own run and the whole-pipeline run decides what the layer shows."""
    newest = max((v for v in (own, whole) if v), key=lambda v: v.attempt.created_at, default=None)
    if newest is None:
        return LayerState(layer)
    state = LayerState(layer, newest, newest.attempt.status, _figures(session, newest.attempt.id).get(layer))
    if newest is whole:
        state.own = False
        tasks = {t.task_key: t.status for t in AttemptRepository(session).tasks(newest.attempt.id)}
        state.status = tasks.get(layer, "PENDING" if newest.active else newest.attempt.status)
    return state


def pipeline_views(plane: ControlPlane) -> list[PipelineView]:
    """Every registered pipeline with its layers' latest states."""
    return [_pipeline_view(plane, row) for row in registered_pipelines(plane)]


def _pipeline_view(plane: ControlPlane, row: JobRow) -> PipelineView:
    name = row.key.split(":", 1)[1]
    view = PipelineView(name, row.workspace_name, row.job_id, all_run=_latest(plane, name, ALL_LAYERS))
    with plane.ctx.sessions() as session:
        for task in row.settings.get("tasks", []):
            layer = task["task_key"]
            view.layers.append(_layer_state(session, layer, _latest(plane, name, layer), view.all_run))
    return view
