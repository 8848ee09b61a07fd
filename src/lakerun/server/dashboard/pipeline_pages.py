"""The pipeline page (seed 002): each pipeline's layers as a chain, a trigger per layer and for all, live states."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.pipelines import trigger_layer
from lakerun.errors import ConflictError
from lakerun.server.dashboard.pipeline_view import pipeline_views
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/pipelines", response_class=HTMLResponse)
def pipelines_page(request: Request, plane: Session) -> HTMLResponse:
    """Registered pipelines, their layers' latest states and figures, and the buttons that run them."""
    return render(request, "pipelines.html", active="pipelines", pipelines=pipeline_views(plane))


@router.get("/ui/pipelines", response_class=HTMLResponse)
def pipelines_fragment(request: Request, plane: Session) -> HTMLResponse:
    """The chains alone, re-fetched when a layer's run changes."""
    return render(request, "_pipelines.html", pipelines=pipeline_views(plane))


@router.post("/pipelines/{name}/trigger")
def trigger(
    name: str,
    plane: SessionPost,
    layer: Annotated[str, Form()],
    workspace: Annotated[str, Form()] = "local",
) -> RedirectResponse:
    """Starts one layer (or all) as a tracked attempt and returns to the chain, which then updates live."""
    try:
        trigger_layer(plane, name, layer, workspace, triggered_by="dashboard")
    except (ValueError, LookupError, ConflictError) as exc:
        return RedirectResponse("/pipelines?notice=" + quote(str(exc)[:300]), status_code=303)
    return RedirectResponse(f"/pipelines#pipeline-{quote(name)}", status_code=303)
