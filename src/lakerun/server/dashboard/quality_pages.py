"""The data-quality pages (seed 001): table groups, their profile runs and score over runs, a run's results
with column charts, and dismissing an anomaly."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.plane import ControlPlane
from lakerun.control.profiling.catalog import get_group, groups
from lakerun.control.profiling.results import ProfileRun, get_run, list_runs, set_disposition
from lakerun.control.profiling.runs import trigger_profile_run
from lakerun.errors import ConflictError
from lakerun.server.dashboard.charts import score_line
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)


def _latest(plane: ControlPlane, group_id: int) -> ProfileRun | None:
    runs = list_runs(plane, group_id)
    return runs[0] if runs else None


@router.get("/quality", response_class=HTMLResponse)
def quality_page(request: Request, plane: Session) -> HTMLResponse:
    """Table groups with their latest profile run and a button to profile each now."""
    rows = [(group, _latest(plane, group.id)) for group in groups(plane)]
    return render(request, "quality.html", active="quality", groups=rows)


def _group_context(plane: ControlPlane, group_id: int) -> dict[str, Any]:
    group, connection = get_group(plane, group_id)
    runs = list_runs(plane, group_id)
    series = [
        (f"{run.attempt.created_at:%m-%d %H:%M}", run.result.score) for run in reversed(runs) if run.result
    ]
    chart = score_line(series) if len(series) > 1 else None
    return {"group": group, "connection": connection, "runs": runs, "chart": chart}


@router.get("/quality/groups/{group_id}", response_class=HTMLResponse)
def group_page(request: Request, group_id: int, plane: Session) -> HTMLResponse:
    """A table group's profile runs, newest first, and its score over runs."""
    try:
        context = _group_context(plane, group_id)
    except LookupError as exc:
        return render(request, "missing.html", status_code=404, active="quality", problem=str(exc))
    return render(request, "quality_group.html", active="quality", **context)


@router.get("/ui/quality/groups/{group_id}", response_class=HTMLResponse)
def group_runs_fragment(request: Request, group_id: int, plane: Session) -> HTMLResponse:
    """The group's runs and chart alone, re-fetched when one of its runs changes."""
    return render(request, "_quality_group_runs.html", **_group_context(plane, group_id))


@router.post("/quality/groups/{group_id}/profile")
def profile_now(group_id: int, plane: SessionPost) -> RedirectResponse:
    """Starts a profile run of the group and returns to its page, which follows the run live."""
    try:
        trigger_profile_run(plane, group_id, triggered_by="dashboard")
    except (ValueError, LookupError, ConflictError) as exc:
        return RedirectResponse("/quality?notice=" + quote(str(exc)[:300]), status_code=303)
    return RedirectResponse(f"/quality/groups/{group_id}", status_code=303)


@router.get("/quality/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, plane: Session) -> HTMLResponse:
    """One profile run: score, dimensions, anomalies by likelihood (dismissable), column profiles."""
    try:
        run = get_run(plane, run_id)
    except LookupError as exc:
        return render(request, "missing.html", status_code=404, active="quality", problem=str(exc))
    result = run.as_assessment() if run.result else None
    return render(
        request,
        "quality_run.html",
        active="quality",
        run=run,
        result=result,
        dismiss_url=_dismiss_url(run_id),
    )


def _dismiss_url(run_id: str) -> Any:
    return lambda anomaly: f"/quality/anomalies/{anomaly['id']}/dismiss?run={quote(run_id)}"


@router.post("/quality/anomalies/{anomaly_id}/dismiss")
def dismiss(anomaly_id: int, run: str, plane: SessionPost) -> RedirectResponse:
    """Dismisses the anomaly: it stops counting in this run's score and stays dismissed in later runs."""
    try:
        set_disposition(plane, anomaly_id, "Dismissed", "dashboard")
    except (ValueError, LookupError, ConflictError) as exc:
        return RedirectResponse(f"/quality/runs/{quote(run)}?notice={quote(str(exc)[:300])}", status_code=303)
    return RedirectResponse(f"/quality/runs/{quote(run)}#anomaly-{anomaly_id}", status_code=303)
