"""A registered pipeline's graph of tables, read from the config its job's tasks run, and the upstream
layers a layer trigger must also run because some table they hold is stale.

The control plane reads the config where the tasks read it (the `--config` and `--vars` of the
registered job's tasks): in the local workspace, and wherever the paths are shared, it sees the same
files and tables the tasks see; a config kept in the workspace (DBFS, a Volume, the Workspace tree) is
read through the workspace's file APIs. Where it cannot read them, the graph comes from what runs reported, and
a layer trigger runs every upstream layer (each task still skips the tables whose inputs are unchanged).
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lakerun.control.workspace_files import WorkspaceFileError, in_workspace
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.config.loader import LoadedPipeline, TextReader, load_pipeline
from lakerun.pipeline.errors import PipelineError
from lakerun.pipeline.runner import PipelineRunner
from lakerun.pipeline.staleness import stale_tables
from lakerun.pipeline.templating import parse_vars
from lakerun.pipeline.writer import DeltaRsWriter


@dataclass(frozen=True)
class TableNode:
    """One table of the graph: its layer, the pipeline tables it reads and its outside sources."""

    name: str
    layer: str
    upstream: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PipelineGraph:
    """The tables in run order and the layers in the order their first table runs."""

    layers: tuple[str, ...]
    tables: tuple[TableNode, ...]

    def edges(self) -> list[tuple[str, str]]:
        """(input table, reading table) pairs."""
        return [(up, table.name) for table in self.tables for up in table.upstream]


def task_arguments(settings: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """The config path and `k=v` variables the registered job's tasks are given, if it has any task."""
    for task in settings.get("tasks", []):
        parameters = list((task.get("python_wheel_task") or {}).get("parameters") or [])
        pairs = list(itertools.pairwise(parameters))
        config = next((value for flag, value in pairs if flag == "--config"), None)
        variables = [value for flag, value in pairs if flag == "--vars"]
        if config:
            return config, variables
    return None


def registered_config(
    settings: Mapping[str, Any], read: TextReader | None = None, workspace: str = ""
) -> LoadedPipeline | None:
    """The pipeline the registered job runs, loaded here; None when this process cannot read it.

    A config in the workspace (`dbfs:/`, `/Volumes/`, `/Workspace/`) is read through `read` (the workspace's
    file APIs) and kept for `REMOTE_TTL_SECONDS`; a local one is kept while its size and modification time
    stay the same (the page that draws the graph is re-rendered on every event of a running pipeline)."""
    arguments = task_arguments(settings)
    if arguments is None:
        return None
    path, variables = arguments[0], tuple(arguments[1])
    if read is not None and in_workspace(path):
        return _load_remote(path, variables, read, workspace)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _load(path, variables, (stat.st_mtime_ns, stat.st_size))


REMOTE_TTL_SECONDS = 10.0
_remote: dict[tuple[str, str, tuple[str, ...]], tuple[float, LoadedPipeline | None]] = {}


def _load_remote(
    path: str, variables: tuple[str, ...], read: TextReader, workspace: str
) -> LoadedPipeline | None:
    key = (workspace, path, variables)
    kept = _remote.get(key)
    if kept is not None and time.monotonic() - kept[0] < REMOTE_TTL_SECONDS:
        return kept[1]
    try:
        loaded: LoadedPipeline | None = load_pipeline(path, parse_vars(list(variables)), read)
    except (PipelineError, WorkspaceFileError, OSError):
        loaded = None
    _remote[key] = (time.monotonic(), loaded)
    return loaded


@functools.lru_cache(maxsize=32)
def _load(path: str, variables: tuple[str, ...], stamp: tuple[int, int]) -> LoadedPipeline | None:
    try:
        return load_pipeline(path, parse_vars(list(variables)))
    except (PipelineError, OSError):
        return None


def _outside_sources(config: PipelineConfig, name: str) -> tuple[str, ...]:
    """What a table reads from outside the pipeline: file paths, Delta tables, databases."""
    labels = []
    for spec in config.tables[name].inputs.values():
        if isinstance(spec, str):
            continue
        label = getattr(spec, "table", None) or getattr(spec, "path", None) or spec.type
        if config.table_writing(str(label)) is None:
            labels.append(str(label))
    return tuple(labels)


def config_graph(config: PipelineConfig) -> PipelineGraph:
    """The graph of a validated config, for display."""
    graph = config.graph
    tables = tuple(
        TableNode(name, graph.layers[name], graph.upstream[name], _outside_sources(config, name))
        for name in config.ordered_tables()
    )
    return PipelineGraph(tuple(config.ordered_layers()), tables)


def reported_graph(layers: Sequence[str], reported: Mapping[str, str]) -> PipelineGraph:
    """The graph known without the config: the job's layers and the tables runs reported (no edges)."""
    known = list(dict.fromkeys([*layers, *reported.values()]))
    tables = tuple(
        TableNode(name, layer) for layer in known for name, own in reported.items() if own == layer
    )
    return PipelineGraph(tuple(known), tables)


def stale_upstream_layers(settings: Mapping[str, Any], layer: str) -> list[str] | None:
    """The other layers holding a stale table that `layer`'s tables read (directly or not), in run order;
    None when the config or its data cannot be read here."""
    loaded = registered_config(settings)
    if loaded is None:
        return None
    config = loaded.config
    own = [name for name in config.ordered_tables() if config.tables[name].layer == layer]
    try:
        stale = stale_tables(PipelineRunner(loaded), own, DeltaRsWriter())
    except (PipelineError, OSError):
        return None
    found = {config.tables[name].layer for name in stale} - {layer}
    return [name for name in config.ordered_layers() if name in found]
