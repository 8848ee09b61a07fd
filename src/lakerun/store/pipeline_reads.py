"""Named reads behind the pipeline page: the tables a run reported and the state of each of its tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakerun.store.models import AttemptRow, CallbackEventRow, TaskRunRow

TABLE_METRIC = "pipeline_layer"
"""The metric name a pipeline task reports each finished table under."""


@dataclass(frozen=True)
class TableReport:
    """One table's figures as a run's task reported them, and when they arrived."""

    table: str
    layer: str
    figures: dict[str, Any]
    received_at: datetime


def table_reports(session: Session, attempt_id: str) -> dict[str, TableReport]:
    """The last report of each table an attempt's tasks sent, by table name."""
    query = (
        select(CallbackEventRow)
        .where(CallbackEventRow.attempt_id == attempt_id, CallbackEventRow.kind == "metric")
        .order_by(CallbackEventRow.sequence)
    )
    reports: dict[str, TableReport] = {}
    for event in session.scalars(query):
        value = event.payload.get("value")
        if event.payload.get("name") != TABLE_METRIC or not isinstance(value, dict):
            continue
        table = str(value.get("name") or value.get("layer") or "")
        layer = str(value.get("layer") or event.payload.get("task") or "")
        reports[table] = TableReport(table, layer, value, event.received_at)
    return reports


@dataclass(frozen=True)
class RunReport:
    """What one pipeline attempt ran and reported: the tasks it selected, their states, its tables."""

    selected: tuple[str, ...]
    """The task keys run-now's `only` named (empty: every task)."""
    tasks: dict[str, str]
    tables: dict[str, TableReport]


def run_report(session: Session, attempt_id: str) -> RunReport:
    """The selected tasks, each task's status and each table's last report of one attempt."""
    spec = session.scalar(select(AttemptRow.spec).where(AttemptRow.id == attempt_id)) or {}
    query = select(TaskRunRow.task_key, TaskRunRow.status).where(TaskRunRow.attempt_id == attempt_id)
    tasks = {key: status for key, status in session.execute(query)}
    return RunReport(tuple(spec.get("only") or ()), tasks, table_reports(session, attempt_id))
