"""What the dashboard shows of an attempt: the API's fields plus what is running now, its message and an ETA."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakerun.control.status import ACTIVE, Status
from lakerun.server.runs.schemas import AttemptOut
from lakerun.store.models import AttemptRow, EventRow, SubjectRow, TaskRunRow

WAITING_RAW_STATES = ("PENDING", "QUEUED", "BLOCKED", "WAITING_FOR_RETRY")


@dataclass
class AttemptView:
    """An attempt as a row or a run page renders it."""

    attempt: AttemptOut
    current_task: str | None = None
    live_message: str | None = None
    eta_seconds: float | None = None

    @property
    def active(self) -> bool:
        """True while the attempt can still change."""
        return Status(self.attempt.status) in ACTIVE

    @property
    def waiting_for_compute(self) -> bool:
        """True while the run is committed but not yet executing (queued, or compute still starting)."""
        raw = (self.attempt.raw_state or "").upper()
        if self.attempt.status in (Status.CREATING, Status.QUEUED):
            return True
        return self.attempt.status == Status.RUNNING and raw.startswith(WAITING_RAW_STATES)

    @property
    def elapsed_seconds(self) -> float | None:
        """Seconds run so far (or in total once finished)."""
        start = self.attempt.started_at
        if start is None:
            return None
        return ((self.attempt.finished_at or datetime.now(UTC)) - start).total_seconds()

    @property
    def progress_percent(self) -> int | None:
        """Progress as a whole percentage, when the job reports any."""
        if self.attempt.status == Status.SUCCESS:
            return 100
        return None if self.attempt.progress is None else round(self.attempt.progress * 100)

    @property
    def message(self) -> str | None:
        """The job's latest progress message while running, else the status message."""
        return self.live_message if self.active and self.live_message else self.attempt.status_message


def attempt_views(session: Session, rows: Sequence[tuple[AttemptRow, SubjectRow]]) -> list[AttemptView]:
    """Views of `rows`; the live extras come from the newest stored events of the active attempts only."""
    views = [AttemptView(AttemptOut.of(row, subject)) for row, subject in rows]
    active = {view.attempt.id: view for view in views if view.active}
    if not active:
        return views
    for attempt_id, event in _newest_events(session, active, progress_only=True).items():
        active[attempt_id].current_task = event.payload.get("task")
        active[attempt_id].live_message = event.payload.get("message")
    for task in _running_tasks(session, active):
        active[task.attempt_id].current_task = active[task.attempt_id].current_task or task.task_key
    for attempt_id, event in _newest_events(session, active, progress_only=False).items():
        active[attempt_id].eta_seconds = _eta_now(event)
    return views


def _newest_events(session: Session, ids: Iterable[str], progress_only: bool) -> dict[str, EventRow]:
    """The newest stored event (or progress event) of each attempt; a long run may have sent thousands."""
    newest = select(func.max(EventRow.id)).where(EventRow.attempt_id.in_(list(ids)))
    if progress_only:
        newest = newest.where(EventRow.type == "run.progress")
    rows = session.scalars(select(EventRow).where(EventRow.id.in_(newest.group_by(EventRow.attempt_id))))
    return {str(row.attempt_id): row for row in rows}


def _running_tasks(session: Session, ids: Iterable[str]) -> list[TaskRunRow]:
    query = select(TaskRunRow).where(
        TaskRunRow.attempt_id.in_(list(ids)), TaskRunRow.status == Status.RUNNING.value
    )
    return list(session.scalars(query.order_by(TaskRunRow.started_at)))


def _eta_now(event: EventRow) -> float | None:
    """The estimate the event carried (median past duration minus elapsed), counted down to now."""
    estimate = event.payload.get("eta_seconds")
    if not isinstance(estimate, int | float):
        return None
    return max(0.0, float(estimate) - (datetime.now(UTC) - event.created_at).total_seconds())
