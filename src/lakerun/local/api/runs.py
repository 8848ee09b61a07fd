"""Endpoints of the local workspace: job runs (submit, get, get-output, list, cancel, delete, repair)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from lakerun.local import run_actions
from lakerun.local.api_v20 import is_v20, run_v20
from lakerun.local.faults import FaultInjector
from lakerun.local.paging import page_limit, page_offset, page_tokens
from lakerun.local.params import as_bool, as_int, request_params, required_int
from lakerun.local.run_engine import RunEngine
from lakerun.local.run_store import RunFilter

router = APIRouter()


def on_startup(app: FastAPI) -> None:
    """Starts the run engine (which first ends runs a previous server left in flight)."""
    faults = getattr(app.state, "faults", None) or FaultInjector(app.state.config.faults)
    engine = RunEngine(app.state.config, app.state.db, app.state.paths, faults)
    engine.start()
    app.state.run_engine = engine


def on_shutdown(app: FastAPI) -> None:
    """Stops the run engine and the task processes it runs."""
    app.state.run_engine.stop()


def _base_url(request: Request) -> str:
    """The address the client used, so `run_page_url` links work from where it called."""
    return str(request.base_url).rstrip("/")


def _engine(request: Request) -> RunEngine:
    engine: RunEngine = request.app.state.run_engine
    return engine


@router.post("/jobs/runs/submit")
async def submit(request: Request) -> dict[str, Any]:
    """Starts a one-time run; an idempotency token returns its existing run."""
    params = await request_params(request)
    return {"run_id": await run_in_threadpool(_engine(request).submit, params)}


@router.get("/jobs/runs/get")
async def get(request: Request) -> dict[str, Any]:
    """A run with its state, status, tasks and timings."""
    params = await request_params(request)
    run = await run_in_threadpool(
        run_actions.run_view, _engine(request), required_int(params, "run_id"), _base_url(request)
    )
    return run_v20(run) if is_v20(request) else run


@router.get("/jobs/runs/get-output")
async def get_output(request: Request) -> dict[str, Any]:
    """The output of a task run: notebook exit value, logs, error and metadata."""
    params = await request_params(request)
    return await run_in_threadpool(
        run_actions.output, _engine(request), required_int(params, "run_id"), _base_url(request)
    )


@router.get("/jobs/runs/list")
async def list_runs(request: Request) -> dict[str, Any]:
    """A page of runs, newest first, with the filters of the Jobs API."""
    params = await request_params(request)
    limit = page_limit(as_int(params, "limit"), default=20, maximum=25)
    offset = page_offset(params.get("page_token")) or (as_int(params, "offset") or 0)
    where = RunFilter(
        job_id=as_int(params, "job_id"),
        active_only=as_bool(params, "active_only"),
        completed_only=as_bool(params, "completed_only"),
        run_type=params.get("run_type") or None,
        start_time_from=as_int(params, "start_time_from"),
        start_time_to=as_int(params, "start_time_to"),
    )
    runs, has_more = await run_in_threadpool(_engine(request).list_runs, where, offset, limit)
    expand = is_v20(request) or as_bool(params, "expand_tasks")
    payloads = [_listed(run.to_api(_base_url(request)), expand) for run in runs]
    if is_v20(request):
        payloads = [run_v20(run) for run in payloads]
    return {**({"runs": payloads} if payloads else {}), **page_tokens(offset, limit, has_more)}


def _listed(run: dict[str, Any], expand_tasks: bool) -> dict[str, Any]:
    if not expand_tasks:
        run.pop("tasks", None)
    return run


@router.get("/jobs/runs/export")
async def export(request: Request) -> dict[str, Any]:
    """The code view of a notebook task run."""
    params = await request_params(request)
    return await run_in_threadpool(run_actions.export, _engine(request), required_int(params, "run_id"))


@router.post("/jobs/runs/cancel")
async def cancel(request: Request) -> dict[str, Any]:
    """Cancels a run asynchronously: it may still be TERMINATING when this returns."""
    params = await request_params(request)
    await run_in_threadpool(run_actions.cancel, _engine(request), required_int(params, "run_id"))
    return {}


@router.post("/jobs/runs/cancel-all")
async def cancel_all(request: Request) -> dict[str, Any]:
    """Cancels every active run of a job (or every queued run, with `all_queued_runs`)."""
    params = await request_params(request)
    job_id, queued = as_int(params, "job_id"), as_bool(params, "all_queued_runs")
    await run_in_threadpool(run_actions.cancel_all, _engine(request), job_id, queued)
    return {}


@router.post("/jobs/runs/delete")
async def delete(request: Request) -> dict[str, Any]:
    """Deletes a finished run."""
    params = await request_params(request)
    await run_in_threadpool(run_actions.delete, _engine(request), required_int(params, "run_id"))
    return {}


@router.post("/jobs/runs/repair")
async def repair(request: Request) -> dict[str, Any]:
    """Re-runs failed or chosen tasks of a finished run."""
    params = await request_params(request)
    run_id = required_int(params, "run_id")
    return {"repair_id": await run_in_threadpool(_engine(request).repair, run_id, params)}
