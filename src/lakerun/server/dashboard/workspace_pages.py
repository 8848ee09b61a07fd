"""Workspaces with live health, and the registry's jobs with a button to run each one now."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.attempts import TriggerRequest
from lakerun.errors import ConflictError
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/workspaces", response_class=HTMLResponse)
def workspaces_page(request: Request, plane: Session) -> HTMLResponse:
    """The local workspace and registered Databricks workspaces, each probed now, and their jobs."""
    workspaces = plane.workspaces(with_health=True)
    return render(request, "workspaces.html", active="workspaces", workspaces=workspaces, jobs=plane.jobs())


@router.post("/jobs/{workspace}/{key}/run")
def run_job(workspace: str, key: str, plane: SessionPost) -> RedirectResponse:
    """Runs a registered job as a new attempt of the subject `job/<key>` and opens its run page."""
    request = TriggerRequest(
        subject_key=key,
        subject_kind="job",
        workspace=workspace,
        strategy="shared_job",
        job_key=key,
        triggered_by="dashboard",
    )
    try:
        attempt = plane.runs.trigger(request)
    except (ValueError, LookupError, ConflictError) as exc:
        return RedirectResponse("/workspaces?notice=" + quote(str(exc)[:300]), status_code=303)
    return RedirectResponse(f"/runs/{attempt.id}", status_code=303)
