"""Read-only questions the runs, run, subject and pipeline pages ask about attempts, each one query.

They answer in plain rows (`LiveSignals`, dicts of values), never in mapped objects, so a page
depends on what it shows and not on the tables' columns.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakerun.store.models import AttemptRow, CallbackEventRow, EventRow, TaskRunRow

RUNNING = "RUNNING"
PIPELINE_LAYER_METRIC = "pipeline_layer"


@dataclass(frozen=True)
class LiveSignals:
    """What the newest stored events and running tasks say of an active attempt right now."""

    current_task: str | None = None
    message: str | None = None
    eta_seconds: float | None = None
    eta_sent_at: datetime | None = None


class AttemptReads:
    """The attempts' read queries of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def live_signals(self, attempt_ids: Collection[str]) -> dict[str, LiveSignals]:
        """Per attempt: the task and message of its newest progress event (else its first running task)
        and the time-remaining estimate its newest event carried."""
        if not attempt_ids:
            return {}
        progress = self._newest_events(attempt_ids, progress_only=True)
        newest = self._newest_events(attempt_ids, progress_only=False)
        running = self._running_task_keys(attempt_ids)
        signals = {}
        for attempt_id in attempt_ids:
            payload = progress[attempt_id].payload if attempt_id in progress else {}
            latest = newest.get(attempt_id)
            estimate = latest.payload.get("eta_seconds") if latest else None
            signals[attempt_id] = LiveSignals(
                current_task=payload.get("task") or running.get(attempt_id),
                message=payload.get("message"),
                eta_seconds=float(estimate) if isinstance(estimate, int | float) else None,
                eta_sent_at=latest.created_at if latest else None,
            )
        return signals

    def _newest_events(self, ids: Collection[str], progress_only: bool) -> dict[str, EventRow]:
        """The newest stored event (or progress event) of each attempt; a long run may have sent thousands."""
        newest = select(func.max(EventRow.id)).where(EventRow.attempt_id.in_(list(ids)))
        if progress_only:
            newest = newest.where(EventRow.type == "run.progress")
        rows = self.session.scalars(
            select(EventRow).where(EventRow.id.in_(newest.group_by(EventRow.attempt_id)))
        )
        return {str(row.attempt_id): row for row in rows}

    def _running_task_keys(self, ids: Collection[str]) -> dict[str, str]:
        """The first-started running task of each attempt."""
        query = select(TaskRunRow.attempt_id, TaskRunRow.task_key).where(
            TaskRunRow.attempt_id.in_(list(ids)), TaskRunRow.status == RUNNING
        )
        keys: dict[str, str] = {}
        for attempt_id, task_key in self.session.execute(query.order_by(TaskRunRow.started_at)):
            keys.setdefault(attempt_id, task_key)
        return keys

    def statuses(self, attempt_ids: Collection[str]) -> dict[str, str]:
        """The current status of each attempt named."""
        query = select(AttemptRow.id, AttemptRow.status).where(AttemptRow.id.in_(list(attempt_ids)))
        return {attempt_id: status for attempt_id, status in self.session.execute(query)}

    def count_by_status(self) -> dict[str, int]:
        """How many attempts are in each status."""
        query = select(AttemptRow.status, func.count()).group_by(AttemptRow.status)
        return {status: int(count) for status, count in self.session.execute(query)}

    def task_statuses(self, attempt_id: str) -> dict[str, str]:
        """Each task's status in one attempt, by task key."""
        query = select(TaskRunRow.task_key, TaskRunRow.status).where(TaskRunRow.attempt_id == attempt_id)
        return {task_key: status for task_key, status in self.session.execute(query)}

    def layer_figures(self, attempt_id: str) -> dict[str, dict[str, Any]]:
        """The `pipeline_layer` metrics an attempt's tasks sent, by layer (the last one sent wins)."""
        query = (
            select(CallbackEventRow.payload)
            .where(CallbackEventRow.attempt_id == attempt_id, CallbackEventRow.kind == "metric")
            .order_by(CallbackEventRow.sequence)
        )
        return {
            str(payload.get("task")): payload["value"]
            for payload in self.session.scalars(query)
            if payload.get("name") == PIPELINE_LAYER_METRIC and isinstance(payload.get("value"), dict)
        }
