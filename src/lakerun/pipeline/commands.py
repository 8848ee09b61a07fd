"""The pipeline's user-facing operations, shared by `lakerun pipeline ...` and `lakerun-layer`.

Each returns a process exit code and prints for people on stderr and for machines on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from lakerun.errors import EXIT_FAILED, LakerunError, unexpected
from lakerun.pipeline.callback_progress import CallbackProgress
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.config.schema import pipeline_json_schema_text
from lakerun.pipeline.console import (
    ConsoleProgress,
    expectations_table,
    graph_text,
    plan_text,
    results_table,
)
from lakerun.pipeline.engine_factory import create_engine
from lakerun.pipeline.errors import PipelineError
from lakerun.pipeline.plan import lineage
from lakerun.pipeline.report import FanOutProgress, LayerResult, Progress
from lakerun.pipeline.runner import PipelineRunner, RefreshRequest, dry_run_forced
from lakerun.pipeline.templating import parse_vars
from lakerun.runtime.dbutils import find_dbutils

RESULT_TASK_VALUE = "lakerun_result"


def _err() -> Console:
    return Console(stderr=True)


def _fail(error: Exception) -> int:
    """Prints a lakerun error as is and anything else as the unexpected error it is; exit code 1."""
    message = str(error) if isinstance(error, LakerunError) else unexpected(error)
    _err().print(f"[red]error:[/] {message}", highlight=False, markup=True)
    return EXIT_FAILED


def _runner(config: str, variables: Sequence[str] | None) -> PipelineRunner:
    return PipelineRunner(load_pipeline(config, parse_vars(list(variables or []))))


def validate(config: str, variables: Sequence[str] | None = None) -> int:
    """Load and validate a config; print what it declares."""
    try:
        runner = _runner(config, variables)
    except PipelineError as exc:
        return _fail(exc)
    layers = ", ".join(runner.config.ordered_layers())
    tables = ", ".join(runner.config.ordered_tables())
    print(
        f"{config}: valid pipeline `{runner.config.name}` (tables {tables}; layers {layers}; "
        f"config {runner.loaded.config_hash})"
    )
    return 0


def plan(
    config: str,
    *,
    layers: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
    as_json: bool = False,
    dialect: str = "duckdb",
    refresh: RefreshRequest | None = None,
) -> int:
    """Print the plans of the selected tables after checking every table's sources, columns, types and SQL."""
    try:
        runner = _runner(config, variables)
        plans = runner.plan_all(layers, refresh)
    except PipelineError as exc:
        if as_json:
            print(json.dumps({"dry_run": True, "status": "FAILED", "stage": "plan", "error": str(exc)}))
        return _fail(exc)
    if as_json:
        document = {
            "dry_run": True,
            "pipeline": runner.config.name,
            "order": [p.name for p in plans],
            "lineage": lineage(list(runner.planned.values())),
            "tables": [p.to_dict() for p in plans],
        }
        print(json.dumps(document, indent=2))
    else:
        print(graph_text(runner.config.graph) + "\n\n" + "\n\n".join(plan_text(p, dialect) for p in plans))
    return 0


def _progress(quiet: bool, position: int) -> Progress:
    listeners: list[Progress] = [] if quiet else [ConsoleProgress()]
    callback = CallbackProgress.from_environment(position)
    if callback is not None:
        listeners.append(callback)
    return FanOutProgress(*listeners)


def _publish_task_value(results: list[LayerResult]) -> None:
    """Expose the results as the task's value (`dbutils.jobs.taskValues`) when running as a task."""
    dbutils: Any = find_dbutils()
    task_values = getattr(getattr(dbutils, "jobs", None), "taskValues", None)
    if task_values is not None:
        task_values.set(RESULT_TASK_VALUE, [r.to_dict() for r in results])


def run(
    config: str,
    *,
    layers: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
    engine: str | None = None,
    dry_run: bool = False,
    quiet: bool = False,
    refresh: RefreshRequest | None = None,
) -> int:
    """Run the selected tables (all by default) and print one JSON result per table on stdout.

    Every table is planned first; when any plan fails nothing runs and one JSON line says why."""
    request = refresh or RefreshRequest()
    selection = list(layers or []) or ([request.backfill[0]] if request.backfill else [])
    if dry_run or dry_run_forced():
        _err().print("dry run: checking sources and columns, nothing is written")
        return plan(config, layers=selection, variables=variables, as_json=True, refresh=request)
    results: list[LayerResult] = []
    try:
        runner = _runner(config, variables)
        plans = runner.plan_all(selection, request)
    except PipelineError as exc:
        print(json.dumps({"status": "FAILED", "stage": "plan", "error": str(exc)}))
        return _fail(exc)
    try:
        sql_engine = create_engine(engine or runner.config.engine)
        progress = _progress(quiet, runner.config.ordered_tables().index(plans[0].name))
        try:
            runner.run_all(sql_engine, selection, progress, request, results)
        finally:
            sql_engine.close()
    except Exception as exc:
        return _fail(exc)
    finally:
        _publish_task_value(results)
        for result in results:
            print(json.dumps(result.to_dict()), flush=True)
    if not quiet:
        _err().print(results_table(results), expectations_table(results))
    return 0


def export(
    config: str,
    output_format: str,
    out: str | None,
    options: dict[str, Any],
    variables: Sequence[str] | None = None,
) -> int:
    """Write the job JSON or bundle YAML for a pipeline to `out` (stdout when None)."""
    from lakerun.pipeline.export import ComputeChoice, ExportOptions, bundle_yaml, jobs_json

    try:
        runner = _runner(config, variables)
        export_options = ExportOptions(
            config_path=options.get("config_path") or config,
            wheel=options.get("wheel") or ExportOptions.wheel,
            variables=parse_vars(list(variables or [])),
            engine=options.get("engine"),
            compute=ComputeChoice(
                existing_cluster_id=options.get("cluster_id"),
                spark_version=options.get("spark_version"),
                node_type_id=options.get("node_type_id"),
                num_workers=int(options.get("workers") or 1),
            ),
            layers=tuple(options.get("layers") or ()),
            task_per=options.get("task_per") or "table",
        )
    except PipelineError as exc:
        return _fail(exc)
    try:
        if output_format == "bundle":
            text = bundle_yaml(runner.config, export_options)
        else:
            text = json.dumps(jobs_json(runner.config, export_options), indent=2)
    except PipelineError as exc:
        return _fail(exc)
    if out:
        Path(out).write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        _err().print(f"wrote {output_format} for pipeline `{runner.config.name}` to {out}")
    else:
        print(text)
    return 0


def schema(out: str | None = None) -> int:
    """Print or write the JSON Schema of pipeline configs."""
    text = pipeline_json_schema_text()
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0
