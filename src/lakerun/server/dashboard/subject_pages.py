"""Subjects and their attempt history (seed 004), and launching several subjects together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.plane import ControlPlane
from lakerun.control.reads import attempt_statuses
from lakerun.errors import ConflictError, NotFoundError
from lakerun.server.dashboard.charts import score_line, score_series
from lakerun.server.dashboard.paging import ListPage
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render
from lakerun.server.dashboard.views import attempt_views
from lakerun.server.runs.schemas import SubjectOut

router = APIRouter(include_in_schema=False)
SUBJECTS_PER_PAGE = 100


@router.get("/subjects", response_class=HTMLResponse)
def subjects_page(
    request: Request,
    plane: Session,
    *,
    notice: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Subjects with their counters, searchable and paged; tick several to launch them together."""
    at = ListPage("/subjects", page, SUBJECTS_PER_PAGE, 0, (("q", q), ("kind", kind)))
    rows, total = plane.subjects(kind or None, at.per_page, at.offset, q or None)
    subjects = [SubjectOut.of(s) for s in rows]
    current = [s.current_attempt_id for s in subjects if s.current_attempt_id]
    latest = attempt_statuses(plane.ctx, current)
    pages = replace(at, total=total)
    return render(
        request,
        "subjects.html",
        active="subjects",
        subjects=subjects,
        latest=latest,
        notice=notice,
        pages=pages,
    )


def _history_context(plane: ControlPlane, kind: str, key: str) -> dict[str, Any]:
    subject, attempts = plane.subject_history(kind, key)
    views = attempt_views(plane, [(a, subject) for a in attempts])
    series = score_series([(a.attempt_number, a.result) for a in attempts])
    chart = score_line(series) if len(series) > 1 else None
    return {"subject": SubjectOut.of(subject), "views": views, "score_chart": chart}


@router.get("/subjects/{kind}/{key:path}", response_class=HTMLResponse)
def history_page(request: Request, kind: str, key: str, plane: Session) -> HTMLResponse:
    """A subject's attempts, newest first: number, status, times, duration, progress and error."""
    try:
        context = _history_context(plane, kind, key)
    except LookupError as exc:
        return render(request, "missing.html", status_code=404, active="subjects", problem=str(exc))
    return render(request, "history.html", active="subjects", **context)


@router.get("/ui/history/{kind}/{key:path}", response_class=HTMLResponse)
def history_rows(request: Request, kind: str, key: str, plane: Session) -> HTMLResponse:
    """The history table alone, for live refreshes."""
    return render(request, "_history_table.html", **_history_context(plane, kind, key))


def _latest_attempt(plane: ControlPlane, kind_key: str) -> str:
    kind, _, key = kind_key.partition("/")
    _, attempts = plane.subject_history(kind, key)
    if not attempts:
        raise NotFoundError(f"subject {kind}/{key} has no attempt to repeat")
    return attempts[0].id


def _relaunch(plane: ControlPlane, kind_key: str) -> str | None:
    """Starts the subject's latest work again; returns a problem, or None when launched."""
    try:
        plane.actions.retry(_latest_attempt(plane, kind_key), by="dashboard bulk launch")
    except (ValueError, LookupError, ConflictError) as exc:
        return f"{kind_key}: {exc}"
    return None


@router.post("/subjects/launch")
def launch_selected(
    plane: SessionPost, subject: Annotated[list[str] | None, Form()] = None
) -> RedirectResponse:
    """Launches every ticked subject in parallel, each as a new attempt of its latest work."""
    chosen = subject or []
    if not chosen:
        return RedirectResponse("/subjects?notice=" + quote("Tick at least one subject."), status_code=303)
    with ThreadPoolExecutor(max_workers=min(8, len(chosen))) as pool:
        problems = [p for p in pool.map(lambda s: _relaunch(plane, s), chosen) if p]
    launched = len(chosen) - len(problems)
    notice = f"Launched {launched} of {len(chosen)} subjects." + "".join(f" {p}" for p in problems)
    return RedirectResponse("/?notice=" + quote(notice[:500]), status_code=303)
