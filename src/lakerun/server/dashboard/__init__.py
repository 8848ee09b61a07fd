"""The dashboard: server-rendered pages, small JS modules and a live feed, mounted on the control plane's app."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from lakerun.server.dashboard import (
    flows_pages,
    live,
    login,
    metadata_pages,
    pipeline_pages,
    quality_forms,
    quality_pages,
    run_pages,
    runs_pages,
    subject_pages,
    workspace_pages,
)
from lakerun.server.dashboard.session import LoginRequiredError
from lakerun.server.dashboard.templating import HERE

ROUTERS = (
    login,
    runs_pages,
    run_pages,
    subject_pages,
    pipeline_pages,
    flows_pages,
    quality_forms,
    quality_pages,
    metadata_pages,
    workspace_pages,
    live,
)


def install(app: FastAPI) -> None:
    """Adds the dashboard's pages, static files and live feed to the control plane's app."""
    for module in ROUTERS:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")

    async def to_login(_: Request, exc: Exception) -> RedirectResponse:
        target = exc.next_path if isinstance(exc, LoginRequiredError) else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    app.add_exception_handler(LoginRequiredError, to_login)
