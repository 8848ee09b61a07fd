"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database, schema, workspaces)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lakerun.control.plane import ControlPlane
from lakerun.control.reads import database_state
from lakerun.server.auth import Plane

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving; nothing else is checked (a load balancer restarts it otherwise)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(plane: Plane) -> JSONResponse:
    """503 unless the database answers and its schema is at this lakerun's head; workspaces are reported only.

    An unreachable workspace does not make the control plane unready: attempts on other workspaces still
    run, and those on it are retried by the reconciler.
    """
    report = await run_in_threadpool(readiness, plane)
    return JSONResponse(report, status_code=200 if report["ready"] else 503)


def readiness(plane: ControlPlane) -> dict[str, Any]:
    """The readiness report: database reachability, migration state and each workspace's last probe."""
    try:
        state = database_state(plane.ctx)
    except Exception as exc:
        return {"ready": False, "database": {"ok": False, "error": type(exc).__name__}, "workspaces": {}}
    migrations = {"current": state.current, "head": state.head, "at_head": state.at_head}
    workspaces = {row.name: plane.probes.latest(row) for row, _ in plane.workspaces()}
    return {
        "ready": state.at_head,
        "database": {"ok": True},
        "migrations": migrations,
        "workspaces": workspaces,
    }
