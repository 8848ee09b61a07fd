"""Each table of a pipeline as its latest run left it: status, figures (rows in, out, quarantined) and when.

A table's state comes from the newest of the pipeline's latest attempts that ran (or is running) its
layer's task: the figures the task reported for the table when it did, else that task's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from lakerun.control.pipeline_graph import PipelineGraph, TableNode
from lakerun.control.plane import ControlPlane
from lakerun.control.status import ACTIVE, Status
from lakerun.store.pipeline_reads import RunReport, run_report

WAITING_TASK_STATES = ("PENDING", "QUEUED", "BLOCKED", "WAITING")


class AttemptLike(Protocol):
    """The fields of an attempt a table's state needs."""

    id: str
    attempt_number: int
    status: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class TableState:
    """A table as the graph shows it."""

    name: str
    layer: str
    status: str = "NEVER"
    """NEVER (no run touched it yet), PENDING, RUNNING, or the final state of its last run."""
    attempt_id: str | None = None
    attempt_number: int | None = None
    figures: dict[str, Any] | None = None
    at: datetime | None = None
    """When its figures arrived (or its run ended)."""

    @property
    def up_to_date(self) -> bool:
        """True when its last run found the definition and inputs unchanged and read nothing."""
        return bool(self.figures and self.figures.get("skipped"))


def _runs_layer(report: RunReport, layer: str, scope: str) -> bool:
    if layer in report.tasks:
        return True
    if report.selected:
        return layer in report.selected
    return scope in ("all", layer)


def _state(table: TableNode, attempt: AttemptLike, report: RunReport) -> TableState:
    base = TableState(table.name, table.layer, attempt_id=attempt.id, attempt_number=attempt.attempt_number)
    reported = report.tables.get(table.name)
    if reported is not None:
        status = str(reported.figures.get("status") or "SUCCESS")
        return replace(base, status=status, figures=reported.figures, at=reported.received_at)
    task = report.tasks.get(table.layer)
    if Status(attempt.status) in ACTIVE:
        return replace(base, status="RUNNING" if task == "RUNNING" else "PENDING")
    final = attempt.status if task is None or task in WAITING_TASK_STATES else task
    return replace(base, status=final, at=attempt.finished_at)


def table_states(
    plane: ControlPlane, graph: PipelineGraph, attempts: Sequence[tuple[str, AttemptLike]]
) -> dict[str, TableState]:
    """Every table's state from the pipeline's latest attempts, given as (layer or `all`, attempt)."""
    newest = sorted(attempts, key=lambda pair: pair[1].created_at, reverse=True)
    with plane.ctx.sessions() as session:
        reports = {attempt.id: run_report(session, attempt.id) for _, attempt in newest}
    states: dict[str, TableState] = {}
    for table in graph.tables:
        states[table.name] = next(
            (
                _state(table, attempt, reports[attempt.id])
                for scope, attempt in newest
                if table.name in reports[attempt.id].tables
                or _runs_layer(reports[attempt.id], table.layer, scope)
            ),
            TableState(table.name, table.layer),
        )
    return states


def reported_layers(plane: ControlPlane, attempts: Sequence[AttemptLike]) -> dict[str, str]:
    """The tables the attempts reported, with their layers (the graph when the config cannot be read)."""
    with plane.ctx.sessions() as session:
        return {
            name: report.layer
            for attempt in attempts
            for name, report in run_report(session, attempt.id).tables.items()
        }


def run_tasks(plane: ControlPlane, attempt_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each attempt's tasks by key, with their status."""
    with plane.ctx.sessions() as session:
        return {attempt_id: run_report(session, attempt_id).tasks for attempt_id in attempt_ids}
