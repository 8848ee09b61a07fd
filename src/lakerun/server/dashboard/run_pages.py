"""One run: live header and task timeline, transitions, task events, per-task output, and its actions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.actions import ActionError
from lakerun.control.errors import describe
from lakerun.control.plane import ControlPlane
from lakerun.server.dashboard.charts import is_assessment
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render
from lakerun.server.dashboard.timeline import task_bars
from lakerun.server.dashboard.views import attempt_views
from lakerun.server.runs.schemas import TaskOut, TransitionOut

router = APIRouter(include_in_schema=False)


def _run_context(plane: ControlPlane, attempt_id: str) -> dict[str, Any]:
    detail = plane.detail(attempt_id)
    view = attempt_views(plane, [(detail.attempt, detail.subject)])[0]
    tasks = [TaskOut.of(t) for t in detail.tasks]
    return {
        "view": view,
        "bars": task_bars(view.attempt, tasks),
        "transitions": [TransitionOut.of(t) for t in detail.transitions],
        "events": detail.events,
        "layers": layer_results(detail.events),
        "assessment": view.attempt.result if is_assessment(view.attempt.result) else None,
    }


def layer_results(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-layer figures a pipeline task reported (`pipeline_layer` metrics), in the order sent."""
    return [
        event["payload"]["value"]
        for event in events
        if event["kind"] == "metric"
        and event["payload"].get("name") == "pipeline_layer"
        and isinstance(event["payload"].get("value"), dict)
    ]


@router.get("/runs/{attempt_id}", response_class=HTMLResponse)
def run_page(request: Request, attempt_id: str, plane: Session, notice: str = "") -> HTMLResponse:
    """The run page: status, progress, what runs now, tasks on a timeline, output and actions."""
    try:
        context = _run_context(plane, attempt_id)
    except LookupError as exc:
        return render(request, "missing.html", status_code=404, active="runs", problem=str(exc))
    return render(request, "run.html", active="runs", notice=notice, **context)


@router.get("/ui/runs/{attempt_id}/live", response_class=HTMLResponse)
def run_live(request: Request, attempt_id: str, plane: Session) -> HTMLResponse:
    """The live part of the run page, re-fetched when an event about the attempt arrives."""
    return render(request, "_run_live.html", **_run_context(plane, attempt_id))


@router.get("/ui/runs/{attempt_id}/output", response_class=HTMLResponse)
def run_output(request: Request, attempt_id: str, plane: Session) -> HTMLResponse:
    """Each task's logs, error and trace as the workspace reports them (fetched on demand)."""
    if plane.runs.get(attempt_id).run_id is None:
        return render(request, "_run_output.html", outputs=[], problem=None, started=False)
    try:
        outputs, problem = plane.actions.output(attempt_id), None
    except Exception as exc:
        outputs, problem = [], describe(exc)
    return render(request, "_run_output.html", outputs=outputs, problem=problem, started=True)


def _act(attempt_id: str, action: str, plane: ControlPlane, tasks: list[str]) -> RedirectResponse:
    """Runs an action and lands on the attempt it produced (or the same one, with a notice)."""
    try:
        if action == "cancel":
            target = plane.actions.cancel(attempt_id, by="dashboard").id
        elif action == "retry":
            target = plane.actions.retry(attempt_id, by="dashboard").id
        else:
            target = plane.actions.repair(attempt_id, tasks or None, by="dashboard").id
    except (ActionError, LookupError) as exc:
        return RedirectResponse(f"/runs/{attempt_id}?notice={quote(str(exc)[:300])}", status_code=303)
    return RedirectResponse(f"/runs/{target}", status_code=303)


@router.post("/runs/{attempt_id}/cancel")
def cancel(attempt_id: str, plane: SessionPost) -> RedirectResponse:
    """Cancels the run; the workspace confirms the terminal state before it is shown."""
    return _act(attempt_id, "cancel", plane, [])


@router.post("/runs/{attempt_id}/retry")
def retry(attempt_id: str, plane: SessionPost) -> RedirectResponse:
    """A new attempt of the same subject with the same work."""
    return _act(attempt_id, "retry", plane, [])


@router.post("/runs/{attempt_id}/repair")
def repair(
    attempt_id: str, plane: SessionPost, task: Annotated[list[str] | None, Form()] = None
) -> RedirectResponse:
    """Re-runs the failed (or the ticked) tasks of the run as a new attempt."""
    return _act(attempt_id, "repair", plane, task or [])
