"""Applying what the workspace says about a run to its attempt: status, raw state, tasks and errors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs
from sqlalchemy.orm import Session

from lakerun.control.attempts import move
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe
from lakerun.control.run_state import RunReading, read_run, read_task
from lakerun.control.status import Source, Status
from lakerun.control.uow import UnitOfWork
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import TaskRunRow, utcnow

log = logging.getLogger(__name__)
LOG_TAIL = 4000


@dataclass(frozen=True)
class TaskReport:
    """One task of a run as read from the workspace, with its error when it failed."""

    task_key: str
    run_id: int | None
    reading: RunReading
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = None


def _time(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms else None


def task_reports(client: WorkspaceClient, run: jobs.Run) -> list[TaskReport]:
    """The run's tasks; failed ones carry the error and log tail from their own get-output."""
    reports = []
    for task in run.tasks or []:
        reading = read_task(task)
        error = None
        if reading.status in (Status.FAILED, Status.TIMEDOUT) and task.run_id:
            error = task_error(client, task.run_id) or reading.message
        reports.append(
            TaskReport(
                task.task_key or "", task.run_id, reading, _time(task.start_time), _time(task.end_time), error
            )
        )
    return reports


def task_error(client: WorkspaceClient, task_run_id: int) -> str | None:
    """The error, trace and last lines of output of one task run (get-output works on task runs only)."""
    try:
        output = client.jobs.get_run_output(run_id=task_run_id)
    except Exception as exc:
        log.info("no output for task run %s: %s", task_run_id, describe(exc))
        return None
    parts = [output.error, output.error_trace, (output.logs or "")[-LOG_TAIL:]]
    return "\n".join(p for p in parts if p) or None


def apply_run(
    ctx: ControlContext,
    attempt_id: str,
    run: jobs.Run | jobs.BaseRun,
    tasks: list[TaskReport],
    source: Source,
) -> bool:
    """Records the run's state on the attempt; moves it forward when the run's status says so."""
    with ctx.uow() as uow:
        return apply_in(uow, attempt_id, run, tasks, source)


def apply_listed(ctx: ControlContext, listed: list[tuple[str, jobs.BaseRun]]) -> None:
    """Records the states of many listed runs in one transaction (the reconciler's steady state)."""
    with ctx.uow() as uow:
        for attempt_id, run in listed:
            apply_in(uow, attempt_id, run, [], Source.POLL)


def apply_in(
    uow: UnitOfWork, attempt_id: str, run: jobs.Run | jobs.BaseRun, tasks: list[TaskReport], source: Source
) -> bool:
    """`apply_run` inside a unit of work the caller owns."""
    reading = read_run(run)
    attempt = AttemptRepository(uow.session).get(attempt_id, lock=True)
    if attempt is None:
        return False
    attempt.last_polled_at = utcnow()
    attempt.run_page_url = run.run_page_url or attempt.run_page_url
    for report in tasks:
        _save_task(uow.session, attempt_id, report)
    errors = [f"[{t.task_key}] {t.error}" for t in tasks if t.error]
    error = "\n".join(errors) or (reading.message if reading.status != Status.SUCCESS else None)
    if reading.status == Status.CANCELLED and attempt.cancel_requested_at is not None:
        source = Source.USER
    return move(
        uow,
        attempt,
        reading.status,
        source,
        reason=reading.message,
        raw_state=reading.raw,
        error=error if reading.status.terminal else None,
    )


def _save_task(session: Session, attempt_id: str, report: TaskReport) -> None:
    row = AttemptRepository(session).task(attempt_id, report.task_key)
    if row is None:
        row = TaskRunRow(attempt_id=attempt_id, task_key=report.task_key, status=report.reading.status.value)
        session.add(row)
    row.run_id = report.run_id
    row.status, row.raw_state = report.reading.status.value, report.reading.raw
    row.started_at, row.finished_at = report.started_at, report.finished_at
    row.error = report.error


def refresh(
    ctx: ControlContext, attempt_id: str, workspace: str, run_id: int, source: Source = Source.POLL
) -> Status:
    """Fetches the run in full (runs/get, plus get-output of failed tasks) and applies it; returns the run's status."""
    client = ctx.client(workspace)
    run = client.jobs.get_run(run_id=run_id)
    reading = read_run(run)
    reports = (
        task_reports(client, run)
        if reading.status.terminal
        else [
            TaskReport(t.task_key or "", t.run_id, read_task(t), _time(t.start_time), _time(t.end_time))
            for t in run.tasks or []
        ]
    )
    apply_run(ctx, attempt_id, run, reports, source)
    return reading.status
