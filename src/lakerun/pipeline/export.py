"""Export a pipeline as a Databricks multi-task job (Jobs API JSON) or an Asset Bundle `databricks.yml`.

One `python_wheel_task` per table (or per layer), with `depends_on` mirroring the tables' graph, calling
the entry point our wheel really declares (`lakerun-layer` in the `lakerun` distribution) with
`--table T` (or `--layer L`) `--config FILE`, and the wheel as the task's library. Job specs are the
databricks-sdk's own dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from databricks.sdk.service import compute, jobs

from lakerun import __version__
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.errors import ConfigError

PACKAGE_NAME = "lakerun"
ENTRY_POINT = "lakerun-layer"
JOB_CLUSTER_KEY = "pipeline_cluster"
DEFAULT_WHEEL = f"dbfs:/FileStore/wheels/lakerun-{__version__}-py3-none-any.whl"


@dataclass(frozen=True)
class ComputeChoice:
    """Where the tasks run: an existing cluster, a new job cluster, or unspecified (local workspace)."""

    existing_cluster_id: str | None = None
    spark_version: str | None = None
    node_type_id: str | None = None
    num_workers: int = 1

    def job_clusters(self) -> list[jobs.JobCluster] | None:
        """The shared job cluster, when one is requested."""
        if not self.node_type_id:
            return None
        spec = compute.ClusterSpec(
            spark_version=self.spark_version or "15.4.x-scala2.12",
            node_type_id=self.node_type_id,
            num_workers=self.num_workers,
        )
        return [jobs.JobCluster(job_cluster_key=JOB_CLUSTER_KEY, new_cluster=spec)]


@dataclass(frozen=True)
class ExportOptions:
    """What the exported job needs beyond the pipeline config itself."""

    config_path: str
    """The config file as the job's tasks will see it (e.g. `dbfs:/pipelines/pet_claims/pipeline.yml`)."""
    wheel: str = DEFAULT_WHEEL
    """The lakerun wheel as the tasks will see it (dbfs:/, /Volumes/ or /Workspace/ path)."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """`--vars` passed to every task."""
    engine: str | None = None
    """`--engine` passed to every task (the config's engine otherwise)."""
    compute: ComputeChoice = field(default_factory=ComputeChoice)
    layers: Sequence[str] = ()
    """Tables or layers to export (all when empty)."""
    task_per: str = "table"
    """`table`: one task per table; `layer`: one task per layer running its tables in graph order."""


def _parameters(unit: str, options: ExportOptions) -> list[str]:
    flag = "--layer" if options.task_per == "layer" else "--table"
    parameters = [flag, unit, "--config", options.config_path]
    for key, value in sorted(options.variables.items()):
        parameters += ["--vars", f"{key}={value}"]
    if options.engine:
        parameters += ["--engine", options.engine]
    return parameters


def _task(unit: str, description: str, upstream: Sequence[str], options: ExportOptions) -> jobs.Task:
    choice = options.compute
    return jobs.Task(
        task_key=unit,
        description=description,
        depends_on=[jobs.TaskDependency(task_key=key) for key in upstream] or None,
        python_wheel_task=jobs.PythonWheelTask(
            package_name=PACKAGE_NAME, entry_point=ENTRY_POINT, parameters=_parameters(unit, options)
        ),
        libraries=[compute.Library(whl=options.wheel)],
        existing_cluster_id=choice.existing_cluster_id,
        job_cluster_key=JOB_CLUSTER_KEY if choice.node_type_id and not choice.existing_cluster_id else None,
    )


def job_settings(config: PipelineConfig, options: ExportOptions) -> jobs.JobSettings:
    """The multi-task job running the pipeline's tables (or layers), `depends_on` mirroring the graph."""
    tasks = _layer_tasks(config, options) if options.task_per == "layer" else _table_tasks(config, options)
    return jobs.JobSettings(
        name=config.name,
        description=config.description or None,
        tasks=tasks,
        job_clusters=None if options.compute.existing_cluster_id else options.compute.job_clusters(),
        max_concurrent_runs=1,
        tags={"lakerun_pipeline": config.name},
    )


def _selected(config: PipelineConfig, options: ExportOptions) -> list[str]:
    names = list(options.layers)
    ordered = config.ordered_tables()
    unknown = [n for n in names if n not in ordered and n not in config.ordered_layers()]
    if unknown:
        raise ConfigError(f"unknown table or layer {', '.join(unknown)}; tables: {', '.join(ordered)}")
    return [t for t in ordered if not names or t in names or config.tables[t].layer in names]


def _table_tasks(config: PipelineConfig, options: ExportOptions) -> list[jobs.Task]:
    selected = _selected(config, options)
    graph = config.graph
    return [
        _task(
            name,
            config.tables[name].description or f"{config.tables[name].layer} table {name}",
            [up for up in graph.upstream[name] if up in selected],
            options,
        )
        for name in selected
    ]


def _layer_tasks(config: PipelineConfig, options: ExportOptions) -> list[jobs.Task]:
    selected = _selected(config, options)
    layers = [
        layer for layer in config.ordered_layers() if any(config.tables[t].layer == layer for t in selected)
    ]
    graph = config.graph
    for index, layer in enumerate(layers):
        later = [up for up in graph.layer_upstream(layer) if up in layers[index:]]
        if later:
            raise ConfigError(
                f"layers {layer} and {later[0]} read each other's tables; export a task per table instead"
            )
    return [
        _task(layer, f"{layer} layer", [up for up in graph.layer_upstream(layer) if up in layers], options)
        for layer in layers
    ]


def jobs_json(config: PipelineConfig, options: ExportOptions) -> dict[str, Any]:
    """The job as the Jobs API `jobs/create` body."""
    return job_settings(config, options).as_dict()


def bundle_yaml(config: PipelineConfig, options: ExportOptions) -> str:
    """A `databricks.yml` Asset Bundle declaring the same job."""
    bundle = {
        "bundle": {"name": config.name},
        "resources": {"jobs": {config.name: jobs_json(config, options)}},
        "targets": {"dev": {"mode": "development", "default": True}},
    }
    return yaml.safe_dump(bundle, sort_keys=False)
