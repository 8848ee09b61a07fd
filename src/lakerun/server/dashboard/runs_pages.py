"""The runs list (filters, server-side paging, live rows) and its HTML fragment, the page the bench measures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lakerun.control.plane import ControlPlane
from lakerun.server.dashboard.runs_query import PAGE_SIZE, STATUSES, RunsQuery
from lakerun.server.dashboard.session import Session
from lakerun.server.dashboard.templating import render
from lakerun.server.dashboard.views import attempt_views

router = APIRouter(include_in_schema=False)


def _table_context(plane: ControlPlane, query: RunsQuery) -> dict[str, Any]:
    where = query.to_filter()
    rows, total = plane.list_attempts(where, PAGE_SIZE, query.offset)
    views = attempt_views(plane, rows)
    last_page = max(1, -(-total // PAGE_SIZE))
    return {"views": views, "total": total, "query": query, "last_page": last_page, "page_size": PAGE_SIZE}


@router.get("/", response_class=HTMLResponse)
def runs_page(request: Request, plane: Session) -> HTMLResponse:
    """Every attempt, newest first, filtered and paged on the server and kept live over the WebSocket."""
    query = RunsQuery.of(request.query_params)
    context = _table_context(plane, query)
    workspaces = [row.name for row, _ in plane.workspaces(with_health=False)]
    return render(request, "runs.html", active="runs", statuses=STATUSES, workspaces=workspaces, **context)


@router.get("/ui/runs/rows", response_class=HTMLResponse)
def runs_rows(request: Request, plane: Session) -> HTMLResponse:
    """The runs table alone, for live refreshes of the page."""
    return render(request, "_runs_table.html", **_table_context(plane, RunsQuery.of(request.query_params)))
