"""Terminal output of layer runs: a rich progress line while a layer runs and a summary table after."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from lakerun.pipeline.graph import TableGraph
from lakerun.pipeline.plan import TablePlan
from lakerun.pipeline.report import LayerResult


class ConsoleProgress:
    """Shows each layer's current stage with a bar, and a one-line outcome when it ends."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]{task.fields[layer]:<7}"),
            BarColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def stage(self, layer: str, message: str, fraction: float) -> None:
        """Move the layer's bar to `fraction` and show what it is doing."""
        if layer not in self._tasks:
            self._bar.start()
            self._tasks[layer] = self._bar.add_task(message, total=1.0, layer=layer)
        self._bar.update(self._tasks[layer], completed=fraction, description=message)

    def finished(self, result: LayerResult) -> None:
        """Replace the bar with the layer's outcome."""
        task = self._tasks.pop(result.layer, None)
        if task is not None:
            self._bar.remove_task(task)
        if not self._tasks:
            self._bar.stop()
        colour = "green" if result.status == "SUCCESS" else "red"
        if result.skipped:
            self.console.print(
                f"[{colour}]{result.status}[/] {result.name}: up to date (inputs unchanged), "
                f"{result.table} v{result.table_version}"
            )
            return
        self.console.print(
            f"[{colour}]{result.status}[/] {result.name}: {result.rows_in} in, {result.rows_out} out, "
            f"{result.rows_dropped} dropped, {result.rows_quarantined} quarantined, "
            f"{result.table} v{result.table_version} in {result.duration_seconds:.2f}s"
        )
        for warning in result.warnings:
            self.console.print(f"[yellow]warning[/] {result.name}: {warning}")


def results_table(results: Sequence[LayerResult]) -> Table:
    """A summary table of layer results: rows in and out, removals, table version and time."""
    table = Table(title="pipeline run")
    for column in ("table", "layer", "status", "in", "out", "dropped", "quarantined", "version", "seconds"):
        table.add_column(column)
    for r in results:
        figures = (r.rows_in, r.rows_out, r.rows_dropped, r.rows_quarantined, r.table_version)
        status = "up to date" if r.skipped else r.status
        table.add_row(r.name, r.layer, status, *[str(v) for v in figures], f"{r.duration_seconds:.2f}")
    return table


def expectations_table(results: Sequence[LayerResult]) -> Table:
    """Failing rows per expectation of each layer."""
    table = Table(title="expectations")
    for column in ("table", "expectation", "action", "failing rows"):
        table.add_column(column)
    for r in results:
        for e in r.expectations:
            table.add_row(r.name, e.name, e.action, str(e.failed_rows))
    return table


def graph_text(graph: TableGraph) -> str:
    """The tables in run order with the tables each reads, grouped by layer."""
    lines = ["graph (table <- inputs):"]
    for name in graph.order:
        upstream = ", ".join(graph.upstream[name]) or "sources"
        lines.append(f"  [{graph.layers[name]}] {name} <- {upstream}")
    return "\n".join(lines)


def plan_text(plan: TablePlan, dialect: str) -> str:
    """A readable rendering of one table's plan (the JSON form is `TablePlan.to_dict`)."""
    lines = [f"table {plan.name}  (layer {plan.layer}, pipeline {plan.pipeline}, config {plan.config_hash})"]
    for item in plan.inputs:
        source = item.source
        where = source.upstream_table or source.table_name or source.uri
        version = f" @v{source.version}" if source.version is not None else ""
        lines.append(f"  input {item.name}: {source.kind} {source.format} {where}{version}")
        lines.append(f"    columns: {', '.join(item.columns)}")
    if plan.refresh.kind != "incremental":
        lines.append(f"  refresh: {plan.refresh.kind}")
    if plan.watermark_column:
        lines.append(
            f"  watermark: {plan.watermark_column} > {plan.watermark_value or '(none yet: full read)'}"
        )
    lines.append(f"  SQL ({dialect}):")
    lines += ["    " + line for line in plan.transform.sql(dialect=dialect, pretty=True).splitlines()]
    lines.append(f"  output columns: {', '.join(f'{c} {t}' for c, t in plan.output_types)}")
    lines += [f"  expect {e.label} ({e.type}) -> {e.action}" for e in plan.expectations]
    sink = plan.sink
    keys = f" on {', '.join(sink.keys)}" if sink.keys else ""
    parts = f" partitioned by {', '.join(sink.partition_by)}" if sink.partition_by else ""
    lines.append(f"  sink: {sink.mode}{keys} into {sink.table_name or sink.uri} ({sink.uri}){parts}")
    if plan.quarantine:
        lines.append(f"  quarantine: {plan.quarantine.table_name or plan.quarantine.uri}")
    return "\n".join(lines)
