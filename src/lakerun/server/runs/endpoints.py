"""The runs API: trigger (one or many), list with filters and paging, detail, cancel, retry, repair, output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from lakerun.control.reads import AttemptFilter
from lakerun.control.records import NamedSubject
from lakerun.server.auth import Caller, Plane
from lakerun.server.params import Offset
from lakerun.server.runs.schemas import (
    AttemptDetailOut,
    AttemptOut,
    AttemptPage,
    BulkItemOut,
    BulkTriggerBody,
    RepairBody,
    RetryBody,
    SubjectHistoryOut,
    SubjectOut,
    TaskOut,
    TransitionOut,
    TriggerBody,
)

router = APIRouter(tags=["runs"])


def _out(plane: Plane, attempt_id: str) -> AttemptOut:
    return AttemptOut.of(*plane.summary(attempt_id))


@router.post("/runs", status_code=201, response_model=AttemptOut)
def trigger(body: TriggerBody, plane: Plane, _: Caller) -> AttemptOut:
    """Trigger an attempt: it is committed with its launch intent and answered at once; a launcher starts it."""
    request = body.to_request()
    attempt = plane.runs.trigger(request)
    return AttemptOut.of(attempt, NamedSubject(request.subject_kind, request.subject_key))


@router.post("/runs/bulk", response_model=list[BulkItemOut])
def bulk_trigger(body: BulkTriggerBody, plane: Plane, _: Caller) -> list[BulkItemOut]:
    """Trigger many subjects in parallel; each item succeeds or fails on its own."""
    results = plane.runs.bulk_trigger([item.to_request() for item in body.items])
    return [
        BulkItemOut(error=str(r)) if isinstance(r, Exception) else BulkItemOut(attempt=_out(plane, r.id))
        for r in results
    ]


@router.get("/runs", response_model=AttemptPage)
def list_runs(
    plane: Plane,
    _: Caller,
    *,
    status: Annotated[list[str] | None, Query(description="One or more statuses.")] = None,
    subject_kind: str | None = None,
    subject_key: str | None = None,
    job_key: str | None = None,
    workspace: str | None = None,
    triggered_by: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> AttemptPage:
    """List attempts, newest first, filtered and paged on the server."""
    where = AttemptFilter(
        statuses=[s.upper() for s in status or []],
        subject_kind=subject_kind,
        subject_key=subject_key,
        job_key=job_key,
        workspace=workspace,
        triggered_by=triggered_by,
        created_after=created_after,
        created_before=created_before,
    )
    rows, total = plane.list_attempts(where, limit, offset)
    return AttemptPage(items=[AttemptOut.of(a, s) for a, s in rows], total=total, limit=limit, offset=offset)


@router.get("/runs/{attempt_id}", response_model=AttemptDetailOut)
def get_run(attempt_id: str, plane: Plane, _: Caller) -> AttemptDetailOut:
    """One attempt with its tasks, transitions and task-sent logs, metrics and results."""
    detail = plane.detail(attempt_id)
    return AttemptDetailOut(
        **AttemptOut.of(detail.attempt, detail.subject).model_dump(),
        tasks=[TaskOut.of(t) for t in detail.tasks],
        transitions=[TransitionOut.of(t) for t in detail.transitions],
        events=detail.events,
    )


@router.post("/runs/{attempt_id}/cancel", response_model=AttemptOut)
def cancel(attempt_id: str, plane: Plane, _: Caller) -> AttemptOut:
    """Cancel the run and wait for the workspace to confirm its terminal state."""
    plane.actions.cancel(attempt_id)
    return _out(plane, attempt_id)


@router.post("/runs/{attempt_id}/retry", status_code=201, response_model=AttemptOut)
def retry(attempt_id: str, plane: Plane, _: Caller, body: RetryBody | None = None) -> AttemptOut:
    """A new attempt of the same subject with the same work; 409 while the attempt is active, unless
    `{"concurrent": true}`."""
    concurrent = body.concurrent if body else False
    return _out(plane, plane.actions.retry(attempt_id, concurrent=concurrent).id)


@router.post("/runs/{attempt_id}/repair", status_code=201, response_model=AttemptOut)
def repair(attempt_id: str, body: RepairBody, plane: Plane, _: Caller) -> AttemptOut:
    """Re-run failed (or named) tasks of the attempt's run, tracked as a new attempt."""
    return _out(plane, plane.actions.repair(attempt_id, body.tasks).id)


@router.get("/runs/{attempt_id}/output")
def output(attempt_id: str, plane: Plane, _: Caller, task_key: str | None = None) -> list[dict[str, Any]]:
    """Per-task output: notebook exit value, logs, error and trace."""
    return plane.actions.output(attempt_id, task_key)


@router.get("/subjects", response_model=list[SubjectOut])
def list_subjects(
    plane: Plane,
    _: Caller,
    response: Response,
    *,
    kind: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the key (case-insensitive).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[SubjectOut]:
    """Subjects with their counters, most recently attempted first; `X-Total-Count` says how many match."""
    rows, total = plane.subjects(kind, limit, offset, q)
    response.headers["X-Total-Count"] = str(total)
    return [SubjectOut.of(s) for s in rows]


@router.get("/subjects/{kind}/{key}/history", response_model=SubjectHistoryOut)
def subject_history(kind: str, key: str, plane: Plane, _: Caller) -> SubjectHistoryOut:
    """A subject's counters and every attempt, newest first."""
    subject, attempts = plane.subject_history(kind, key)
    return SubjectHistoryOut(
        subject=SubjectOut.of(subject), attempts=[AttemptOut.of(a, subject) for a in attempts]
    )
