"""An application backend shaped like a data-quality service: each table group is profiled on Databricks
on demand, through lakerun's client library only (no Databricks SDK, no polling code, no callback endpoint).

Run: `LAKERUN_URL=http://127.0.0.1:8800 LAKERUN_API_TOKEN=... uvicorn app:app --app-dir examples/backend`.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel

from lakerun.client import (
    AsyncLakerun,
    AttemptOut,
    ConflictError,
    LakerunError,
    NotFoundError,
    WaitTimeoutError,
)

TABLE_GROUPS = {
    "orders-dq": {"name": "Orders", "tables": ["sales.orders", "sales.order_lines"]},
    "customers-dq": {"name": "Customers", "tables": ["crm.customers", "crm.addresses"]},
}
KIND = "table_group"
TASK_FILE = os.environ.get("PROFILE_TASK_FILE", str(Path(__file__).with_name("profile_task.py")))
WORKSPACE = os.environ.get("LAKERUN_WORKSPACE", "local")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One lakerun client for the application's lifetime."""
    async with AsyncLakerun(os.environ["LAKERUN_URL"], os.environ["LAKERUN_API_TOKEN"]) as client:
        app.state.lakerun = client
        yield


app = FastAPI(title="data-quality backend (lakerun example)", lifespan=lifespan)


class ProfileRequest(BaseModel):
    """Demonstration knobs: `fail_once` fails the first run (then repair or retry it), `sleep` runs long."""

    mode: Literal["ok", "sleep"] = "ok"
    fail_once: bool = False


class ProfileRun(BaseModel):
    """A profile run as the application's UI shows it."""

    profile_run_id: str
    table_group: str
    status: str
    progress: float | None
    result: dict[str, Any] | None
    error: str | None
    databricks_run_id: int | None
    run_url: str | None

    @classmethod
    def of(cls, attempt: AttemptOut) -> ProfileRun:
        """From a lakerun attempt."""
        return cls(
            profile_run_id=attempt.id,
            table_group=attempt.subject["key"],
            status=attempt.status,
            progress=attempt.progress,
            result=attempt.result,
            error=attempt.error,
            databricks_run_id=attempt.run_id,
            run_url=attempt.run_url,
        )


def lakerun(request: Request) -> AsyncLakerun:
    """The application's lakerun client."""
    client: AsyncLakerun = request.app.state.lakerun
    return client


@app.exception_handler(LakerunError)
async def lakerun_failed(_: Request, exc: LakerunError) -> Any:
    """lakerun's typed errors as this API's statuses."""
    from fastapi.responses import JSONResponse

    status = 404 if isinstance(exc, NotFoundError) else 409 if isinstance(exc, ConflictError) else 502
    return JSONResponse({"detail": str(exc)}, status_code=status)


@app.get("/data-quality/table-groups")
def table_groups() -> dict[str, Any]:
    """The table groups that can be profiled."""
    return TABLE_GROUPS


@app.post("/data-quality/table-groups/{group_id}/profile-runs", status_code=201)
async def profile_now(group_id: str, request: Request, body: ProfileRequest | None = None) -> ProfileRun:
    """Profile the table group now: one lakerun attempt of subject `table_group/<id>`."""
    if group_id not in TABLE_GROUPS:
        raise HTTPException(404, f"no table group {group_id!r}")
    body = body or ProfileRequest()
    parameters = [f"--table-group={group_id}", f"--mode={body.mode}"]
    if body.fail_once:
        parameters.append(
            f"--fail-once={Path(tempfile.gettempdir()) / f'lakerun-example-{uuid.uuid4().hex}'}"
        )
    task = {"task_key": "profile", "spark_python_task": {"python_file": TASK_FILE, "parameters": parameters}}
    attempt = await lakerun(request).trigger(
        group_id, subject_kind=KIND, workspace=WORKSPACE, tasks=[task], triggered_by="dq-backend"
    )
    return ProfileRun.of(attempt)


@app.get("/data-quality/table-groups/{group_id}/profile-runs")
async def profile_history(group_id: str, request: Request) -> list[ProfileRun]:
    """Every profile run of the table group, newest first."""
    history = await lakerun(request).history(KIND, group_id)
    return [ProfileRun.of(attempt) for attempt in history.attempts]


@app.get("/data-quality/profile-runs/{run_id}")
async def profile_run(run_id: str, request: Request) -> ProfileRun:
    """One profile run."""
    return ProfileRun.of(await lakerun(request).get(run_id))


@app.post("/data-quality/profile-runs/{run_id}/{action}")
async def act(run_id: str, action: Literal["cancel", "retry", "repair"], request: Request) -> ProfileRun:
    """Cancel a running profile, retry one (a new run) or repair a failed one (its failed task again)."""
    client = lakerun(request)
    done = await (
        client.cancel(run_id)
        if action == "cancel"
        else client.retry(run_id)
        if action == "retry"
        else client.repair(run_id)
    )
    return ProfileRun.of(done)


@app.get("/data-quality/profile-runs/{run_id}/events")
async def profile_events(run_id: str, request: Request) -> StreamingResponse:
    """The run's live events as Server-Sent Events, followed over lakerun's WebSocket until the run ends."""
    client = lakerun(request)

    async def stream() -> AsyncIterator[str]:
        async for event in client.events(attempts=[run_id], last_event_id=0):
            yield f"id: {event.id}\nevent: {event.type}\ndata: {json.dumps(event.model_dump(mode='json'))}\n\n"
            if event.terminal:
                return

    return StreamingResponse(stream(), media_type="text/event-stream")


@app.get("/data-quality/profile-runs/{run_id}/complete", response_class=HTMLResponse)
async def completion_page(run_id: str, request: Request, wait: float = 0.0) -> str:
    """The completion page: the run's outcome and profile (waiting up to `wait` seconds for it to end)."""
    client = lakerun(request)
    try:
        attempt = await client.wait(run_id, timeout=wait) if wait > 0 else await client.get(run_id)
    except WaitTimeoutError:
        attempt = await client.get(run_id)
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in (attempt.result or {}).items()
    )
    return (
        f"<!doctype html><title>Profile {html.escape(attempt.subject['key'])}</title>"
        f"<h1>Profile of {html.escape(attempt.subject['key'])}: <span id=status>{attempt.status}</span></h1>"
        f"<p>{html.escape(attempt.error or '')}</p><table id=profile>{rows}</table>"
    )
