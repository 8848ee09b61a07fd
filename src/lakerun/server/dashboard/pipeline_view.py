"""The pipeline page's model: each registered pipeline's graph of tables, each table with its latest run's state
and figures, and each layer (a column of the graph) with the state of the run that last touched it."""

from __future__ import annotations

from dataclasses import dataclass, field

from lakerun.control.pipeline_graph import config_graph, registered_config, reported_graph
from lakerun.control.pipeline_state import TableState, reported_layers, run_tasks, table_states
from lakerun.control.pipelines import ALL_LAYERS, SUBJECT_KIND, registered_pipelines
from lakerun.control.plane import ControlPlane
from lakerun.control.reads import AttemptFilter
from lakerun.control.records import Job
from lakerun.control.workspace_files import workspace_reader
from lakerun.server.dashboard.graph_layout import GraphLayout, layout
from lakerun.server.dashboard.views import AttemptView, attempt_views


@dataclass
class LayerState:
    """One layer (a column of the graph): the run that last touched it and its state there."""

    name: str
    view: AttemptView | None = None
    status: str | None = None
    own: bool = True
    scope: str | None = None
    """What the run touching it was triggered for: this layer, another one (whose upstream it is) or `all`."""

    @property
    def live(self) -> bool:
        """True while this layer's run is active and this layer is what it is doing (or about to do)."""
        return self.view is not None and self.view.active and (self.own or self.status == "RUNNING")


@dataclass
class PipelineView:
    """A registered pipeline: its layers in order, its graph of tables and its latest whole-pipeline run."""

    name: str
    workspace: str
    job_id: int
    layers: list[LayerState] = field(default_factory=list)
    all_run: AttemptView | None = None
    graph: GraphLayout | None = None
    tables: dict[str, TableState] = field(default_factory=dict)
    from_config: bool = True
    """False when the config could not be read here: the graph then holds the tables runs reported."""


def _latest(plane: ControlPlane, name: str, layer: str) -> AttemptView | None:
    rows, _ = plane.list_attempts(
        AttemptFilter(subject_kind=SUBJECT_KIND, subject_key=f"{name}:{layer}"), 1, 0
    )
    if not rows:
        return None
    return attempt_views(plane, rows)[0]


def _layer_state(
    layer: str, runs: list[tuple[str, AttemptView]], tasks: dict[str, dict[str, str]]
) -> LayerState:
    """The newest run that ran (or runs) the layer's task decides what the layer shows: its own run, the
    whole-pipeline run, or another layer's run that included it as a stale upstream layer."""
    touching = [
        (scope, view)
        for scope, view in runs
        if scope in (layer, ALL_LAYERS) or layer in tasks.get(view.attempt.id, {})
    ]
    newest = max(touching, key=lambda pair: pair[1].attempt.created_at, default=None)
    if newest is None:
        return LayerState(layer)
    scope, view = newest
    state = LayerState(layer, view, view.attempt.status, own=scope == layer, scope=scope)
    if scope != layer:
        fallback = "PENDING" if view.active else view.attempt.status
        state.status = tasks.get(view.attempt.id, {}).get(layer, fallback)
    return state


def pipeline_views(plane: ControlPlane) -> list[PipelineView]:
    """Every registered pipeline with its layers' latest states."""
    return [_pipeline_view(plane, row) for row in registered_pipelines(plane)]


def _pipeline_view(plane: ControlPlane, row: Job) -> PipelineView:
    name = row.key.split(":", 1)[1]
    view = PipelineView(name, row.workspace_name, row.job_id, all_run=_latest(plane, name, ALL_LAYERS))
    layers = [task["task_key"] for task in row.settings.get("tasks", [])]
    runs = [(scope, run) for scope in [ALL_LAYERS, *layers] if (run := _latest(plane, name, scope))]
    tasks = run_tasks(plane, [run.attempt.id for _, run in runs])
    view.layers = [_layer_state(layer, runs, tasks) for layer in layers]
    read = workspace_reader(lambda: plane.ctx.client(row.workspace_name))
    loaded = registered_config(row.settings, read, row.workspace_name)
    view.from_config = loaded is not None
    attempts = [(scope, run.attempt) for scope, run in runs]
    graph = (
        config_graph(loaded.config)
        if loaded is not None
        else reported_graph(layers, reported_layers(plane, [attempt for _, attempt in attempts]))
    )
    view.graph = layout(graph)
    view.tables = table_states(plane, graph, attempts)
    return view
