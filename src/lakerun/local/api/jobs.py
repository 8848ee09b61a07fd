"""Endpoints of the local workspace: jobs (create, get, list, update, reset, delete, run-now)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from lakerun.local.api_v20 import is_v20, job_v20
from lakerun.local.errors import invalid_parameter
from lakerun.local.job_settings import merge_update, parse_job_settings
from lakerun.local.job_store import JobStore
from lakerun.local.paging import page_limit, page_offset, page_tokens
from lakerun.local.params import as_bool, as_int, request_params, required, required_int
from lakerun.local.run_engine import RunEngine

router = APIRouter()


def on_startup(app: FastAPI) -> None:
    """Opens the job registry on the workspace's state database."""
    app.state.jobs = JobStore(app.state.db)


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release: the registry lives in the shared state database."""


def _jobs(request: Request) -> JobStore:
    store: JobStore = request.app.state.jobs
    return store


def _engine(request: Request) -> RunEngine:
    engine: RunEngine = request.app.state.run_engine
    return engine


@router.post("/jobs/create")
async def create(request: Request) -> dict[str, Any]:
    """Creates a job from multi-task settings or the Jobs 2.0 single-task form."""
    settings = parse_job_settings(await request_params(request))
    return {"job_id": await run_in_threadpool(_engine(request).create_job, settings)}


@router.get("/jobs/get")
async def get(request: Request) -> dict[str, Any]:
    """One job with its settings."""
    params = await request_params(request)
    job = await run_in_threadpool(_jobs(request).get, required_int(params, "job_id"))
    return job_v20(job) if is_v20(request) else job


@router.get("/jobs/list")
async def list_jobs(request: Request) -> dict[str, Any]:
    """A page of jobs, optionally filtered by exact (case-insensitive) name."""
    params = await request_params(request)
    limit = page_limit(as_int(params, "limit"), default=20, maximum=100)
    offset = page_offset(params.get("page_token")) or (as_int(params, "offset") or 0)
    legacy = is_v20(request)
    expand = legacy or as_bool(params, "expand_tasks")
    jobs, has_more = await run_in_threadpool(_jobs(request).list, params.get("name"), offset, limit, expand)
    if legacy:
        jobs = [job_v20(job) for job in jobs]
    response: dict[str, Any] = {"jobs": jobs} if jobs else {}
    return {**response, **page_tokens(offset, limit, has_more)}


@router.post("/jobs/update")
async def update(request: Request) -> dict[str, Any]:
    """Partial update: top-level fields replaced, tasks merged by task_key, `fields_to_remove` removed."""
    params = await request_params(request)
    job_id = required_int(params, "job_id")
    new_settings = params.get("new_settings") or {}
    removals = params.get("fields_to_remove") or []
    if not isinstance(new_settings, dict) or not isinstance(removals, list):
        raise invalid_parameter("new_settings must be an object and fields_to_remove a list")
    fields = [str(r) for r in removals]
    await run_in_threadpool(
        _engine(request).update_job, job_id, lambda current: merge_update(current, new_settings, fields)
    )
    return {}


@router.post("/jobs/reset")
async def reset(request: Request) -> dict[str, Any]:
    """Replaces all of a job's settings."""
    params = await request_params(request)
    job_id = required_int(params, "job_id")
    settings = parse_job_settings(required(params, "new_settings"))
    await run_in_threadpool(_engine(request).update_job, job_id, lambda _: settings)
    return {}


@router.post("/jobs/delete")
async def delete(request: Request) -> dict[str, Any]:
    """Deletes a job."""
    params = await request_params(request)
    job_id = required_int(params, "job_id")
    await run_in_threadpool(_engine(request).delete_job, job_id)
    request.app.state.settings.forget("jobs", str(job_id))
    return {}


@router.post("/jobs/run-now")
async def run_now(request: Request) -> dict[str, Any]:
    """Starts (or queues, or skips) a run of a job; an idempotency token returns its existing run."""
    params = await request_params(request)
    run_id = await run_in_threadpool(_engine(request).run_now, required_int(params, "job_id"), params)
    return {"run_id": run_id, "number_in_job": run_id}
