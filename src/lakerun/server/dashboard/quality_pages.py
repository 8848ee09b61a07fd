"""The data-quality pages (seed 001): table groups, their profile runs and score over runs, a run's results
with column charts, and dismissing an anomaly."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.plane import ControlPlane
from lakerun.control.profiling.catalog import connections, get_group, groups
from lakerun.control.profiling.results import ProfileRun, get_run, list_runs, set_disposition
from lakerun.control.profiling.runs import trigger_profile_run
from lakerun.control.profiling.sources import source_type_of
from lakerun.errors import ConflictError
from lakerun.server.dashboard.charts import column_shares, histogram_chart, score_line
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import column_url, render

router = APIRouter(include_in_schema=False)


def _latest(plane: ControlPlane, group_id: int) -> ProfileRun | None:
    runs = list_runs(plane, group_id)
    return runs[0] if runs else None


@router.get("/quality", response_class=HTMLResponse)
def quality_page(request: Request, plane: Session) -> HTMLResponse:
    """Table groups with their latest profile run and a button to profile each now."""
    listed = groups(plane)
    rows = [(group, _latest(plane, group.id)) for group in listed]
    stored = connections(plane)
    users = {c.id: [g.name for g in listed if g.connection_id == c.id] for c in stored}
    return render(
        request,
        "quality.html",
        active="quality",
        groups=rows,
        connections=[(c, source_type_of(c.kind, c.location), users[c.id]) for c in stored],
        connection_names={c.id: c.name for c in stored},
    )


def _group_context(plane: ControlPlane, group_id: int) -> dict[str, Any]:
    group, connection = get_group(plane, group_id)
    runs = list_runs(plane, group_id)
    series = [
        (f"{run.attempt.created_at:%m-%d %H:%M}", run.result.score) for run in reversed(runs) if run.result
    ]
    chart = score_line(series) if series else None
    latest = next((run for run in runs if run.result), None)
    return {
        "group": group,
        "connection": connection,
        "source": source_type_of(connection.kind, connection.location),
        "runs": runs,
        "chart": chart,
        "latest": latest,
        "latest_result": latest.as_assessment() if latest else None,
        "dismiss_url": _dismiss_url(latest.attempt.id) if latest else None,
        "column_link": _column_link(latest.attempt.id) if latest else None,
    }


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
        return RedirectResponse("/quality?bad=1&notice=" + quote(str(exc)[:300]), status_code=303)
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
        column_link=_column_link(run_id),
    )


def _column_link(run_id: str) -> Any:
    return lambda table, column: column_url(run_id, table, column)


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


def _column(result: dict[str, Any], table: str, column: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for profile in result["profiles"]:
        if profile["table_name"] == table:
            for found in profile["columns"]:
                if found["column_name"] == column:
                    return profile, found
    raise LookupError(f"no column {column!r} in table {table!r} of this run")


@router.get("/quality/runs/{run_id}/column", response_class=HTMLResponse)
def column_page(request: Request, run_id: str, table: str, column: str, plane: Session) -> HTMLResponse:
    """One column of a run: null and distinct shares, histogram, quantiles, top values, patterns, anomalies."""
    try:
        run = get_run(plane, run_id)
        result = run.as_assessment()
        profile, found = _column(result, table, column)
    except (LookupError, ValueError) as exc:
        return render(request, "missing.html", status_code=404, active="quality", problem=str(exc))
    anomalies = [a for a in result["anomalies"] if a["table_name"] == table and a["column_name"] == column]
    return render(
        request,
        "quality_column.html",
        active="quality",
        run=run,
        table=profile,
        column=found,
        shares=column_shares(found["metrics"], float(profile["record_ct"])),
        histogram=histogram_chart(found.get("histogram") or [], dates=found.get("general_type") == "D"),
        anomalies=anomalies,
        dismiss_url=_dismiss_url(run_id),
    )
