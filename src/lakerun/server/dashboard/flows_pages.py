"""The Flows pages (seed 004): the NiFi inventory, conversions started per flow or for the ticked ones,
each flow's history with iterations and validation, generated notebooks, human requests, deploy and run."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from lakerun.control import flows
from lakerun.control.plane import ControlPlane
from lakerun.errors import ConflictError
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render
from lakerun.server.dashboard.views import AttemptView, attempt_views

router = APIRouter(include_in_schema=False)


def _latest_views(plane: ControlPlane, items: list[flows.FlowView]) -> dict[str, AttemptView]:
    rows = [(item.latest, item.subject) for item in items if item.latest and item.subject]
    views = attempt_views(plane, rows)
    return {view.attempt.subject["key"]: view for view in views}


def _inventory(request: Request, plane: ControlPlane, name: str) -> HTMLResponse:
    items = flows.flow_views(plane)
    notice = request.query_params.get("notice")
    return render(request, name, active="flows", flows=items, live=_latest_views(plane, items), notice=notice)


@router.get("/flows", response_class=HTMLResponse)
def flows_page(request: Request, plane: Session) -> HTMLResponse:
    """The inventory with statuses, and the forms that load it and start conversions."""
    return _inventory(request, plane, "flows.html")


@router.get("/ui/flows", response_class=HTMLResponse)
def flows_fragment(request: Request, plane: Session) -> HTMLResponse:
    """The inventory table alone, re-fetched when a conversion changes."""
    return _inventory(request, plane, "_flows.html")


def _back(path: str, notice: str | None = None) -> RedirectResponse:
    return RedirectResponse(path + (f"?notice={quote(notice[:300])}" if notice else ""), status_code=303)


@router.post("/flows/load")
def load(
    plane: SessionPost, folder: Annotated[str, Form()], workspace: Annotated[str, Form()] = "local"
) -> RedirectResponse:
    """Loads a folder of NiFi files into the inventory."""
    try:
        rows = flows.load_inventory(plane, folder.strip(), workspace=workspace)
    except (ValueError, LookupError, ConflictError) as exc:
        return _back("/flows", str(exc))
    return _back("/flows", f"Loaded {len(rows)} flows from {folder.strip()}")


@router.post("/flows/start")
def start_ticked(
    plane: SessionPost, flow_ids: Annotated[list[str] | None, Form()] = None
) -> RedirectResponse:
    """Starts a conversion of each ticked flow."""
    if not flow_ids:
        return _back("/flows", "Tick at least one flow")
    results = flows.start_conversions(plane, flow_ids, triggered_by="dashboard")
    errors = [
        f"{fid}: {res}"
        for fid, res in zip(dict.fromkeys(flow_ids), results, strict=True)
        if isinstance(res, Exception)
    ]
    started = len(results) - len(errors)
    return _back(
        "/flows",
        f"Started {started} conversion(s)" + (". Not started: " + "; ".join(errors) if errors else ""),
    )


@router.post("/flows/{flow_id}/start")
def start(flow_id: str, plane: SessionPost) -> RedirectResponse:
    """Starts one conversion."""
    try:
        flows.start_conversion(plane, flow_id, triggered_by="dashboard")
    except (ValueError, LookupError, ConflictError) as exc:
        return _back(f"/flows/{quote(flow_id)}", str(exc))
    return _back(f"/flows/{quote(flow_id)}")


@router.post("/flows/{flow_id}/edit")
def edit(
    flow_id: str,
    plane: SessionPost,
    priority: Annotated[str, Form()],
    owner: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Sets priority and owner."""
    try:
        flows.update_flow(plane, flow_id, priority, owner.strip())
    except (ValueError, LookupError, ConflictError) as exc:
        return _back(f"/flows/{quote(flow_id)}", str(exc))
    return _back(f"/flows/{quote(flow_id)}", "Saved")


@router.post("/flows/{flow_id}/stop")
def stop(flow_id: str, plane: SessionPost) -> RedirectResponse:
    """Cancels the running conversion."""
    try:
        flows.stop_conversion(plane, flow_id, by="dashboard")
    except (ValueError, LookupError, ConflictError) as exc:
        return _back(f"/flows/{quote(flow_id)}", str(exc))
    return _back(f"/flows/{quote(flow_id)}", "Stop requested")


def _detail(request: Request, plane: ControlPlane, flow_id: str, name: str) -> HTMLResponse:
    item = flows.flow_view(plane, flow_id)
    rows = [(attempt, item.subject) for attempt in item.attempts if item.subject]
    history = attempt_views(plane, rows)
    files = {a.id: flows.output_files(plane, flow_id, a.id) for a in item.attempts if a.status == "SUCCESS"}
    return render(
        request,
        name,
        active="flows",
        flow=item,
        history=history,
        files=files,
        notice=request.query_params.get("notice"),
    )


@router.get("/flows/{flow_id}", response_class=HTMLResponse)
def flow_page(request: Request, flow_id: str, plane: Session) -> HTMLResponse:
    """One flow: its figures, Start/Stop, the history of attempts, their notebooks and human requests."""
    return _detail(request, plane, flow_id, "flow.html")


@router.get("/ui/flows/{flow_id}", response_class=HTMLResponse)
def flow_fragment(request: Request, flow_id: str, plane: Session) -> HTMLResponse:
    """The history alone, re-fetched live."""
    return _detail(request, plane, flow_id, "_flow_history.html")


@router.get("/flows/{flow_id}/attempts/{attempt_id}/files/{name}", response_class=HTMLResponse)
def file_page(request: Request, flow_id: str, attempt_id: str, name: str, plane: Session) -> HTMLResponse:
    """A generated notebook shown as code, with a download link."""
    text = flows.output_file(plane, flow_id, attempt_id, name)
    return render(
        request,
        "flow_file.html",
        active="flows",
        flow_id=flow_id,
        attempt_id=attempt_id,
        file_name=name,
        text=text,
    )


@router.get("/flows/{flow_id}/attempts/{attempt_id}/download/{name}")
def download(flow_id: str, attempt_id: str, name: str, plane: Session) -> PlainTextResponse:
    """A generated file as a download."""
    text = flows.output_file(plane, flow_id, attempt_id, name)
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/flows/{flow_id}/attempts/{attempt_id}/deploy")
def deploy(
    flow_id: str, attempt_id: str, plane: SessionPost, parameters: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Deploys an attempt's notebooks and runs its job; the run page follows it."""
    values = dict(line.split("=", 1) for line in parameters.splitlines() if "=" in line)
    try:
        attempt = flows.deploy_and_run(
            plane, flow_id, attempt_id, {k.strip(): v.strip() for k, v in values.items()}, "dashboard"
        )
    except (ValueError, LookupError, ConflictError) as exc:
        return _back(f"/flows/{quote(flow_id)}", str(exc))
    return RedirectResponse(f"/runs/{attempt.id}", status_code=303)
