"""Running one executor job: open the store, record the run, dispatch the job type, report truthfully.

Every run writes its `executor_runs` row (Running, then Success, Partial or Failed) and its `logs`.
A job fails (non-zero exit) when nothing could be processed, the source is unreachable, the platform
refused the data, or the metadata store cannot be written; per-file errors only make it Partial.
Each job type's module is imported when that job runs, so a run pays only for the libraries it uses.
"""

from __future__ import annotations

import importlib
import json
import traceback
from collections.abc import Callable
from typing import Any

from lakerun import __version__
from lakerun.errors import LakerunError
from lakerun.executor.backends import open_store
from lakerun.executor.callbacks import CallbackClient, CallbackError
from lakerun.executor.context import RunContext, utcnow
from lakerun.executor.schema import SCHEMA_VERSION
from lakerun.executor.settings import ExecutorSettings
from lakerun.executor.store import StoreError

JOB_FAILURES = (LakerunError, ValueError)
"""Failures a job reports as they are; anything else is an internal error, logged with its traceback."""
EXIT_OK, EXIT_FAILED = 0, 1
PIPELINE_STEPS = (
    "schema_validation",
    "metadata_extraction",
    "data_reading",
    "quality_assessment",
    "api_transmission",
)


def run_schema_validation(ctx: RunContext) -> dict[str, Any]:
    """Report how `_executor_metadata` was found at the start of the run: tables found / missing / created, drift."""
    report = ctx.schema_report or ctx.store.validate(create=True)
    return report.as_result()


def run_full_pipeline(ctx: RunContext) -> dict[str, Any]:
    """All job types in order on one context; a failed step fails the pipeline, later steps still report."""
    results: dict[str, Any] = {}
    failed: list[str] = []
    for index, step in enumerate(PIPELINE_STEPS):
        ctx.progress(index / len(PIPELINE_STEPS), f"step {step}")
        reason = _skip_reason(ctx, step, failed)
        if reason:
            results[step] = {"status": "skipped", "reason": reason}
            ctx.log("WARNING", f"{step} skipped: {reason}")
            continue
        try:
            results[step] = {"status": "success", **job(step)(ctx)}
        except JOB_FAILURES as exc:
            failed.append(step)
            results[step] = {"status": "failed", "error": str(exc)}
            ctx.log("ERROR", f"{step} failed: {exc}")
    if failed:
        raise PipelineFailedError(f"steps failed: {', '.join(failed)}", results)
    return results


def _skip_reason(ctx: RunContext, step: str, failed: list[str]) -> str | None:
    if "schema_validation" in failed:
        return "the metadata store is not usable"
    if step == "api_transmission":
        if failed:
            return "earlier steps failed; nothing trustworthy to send"
        if not ctx.settings.api_endpoint:
            return "no platform endpoint configured (LAKERUN_API_ENDPOINT)"
    return None


class RunCancelledError(BaseException):
    """The task was told to stop (SIGTERM on cancel or timeout); the run is recorded as Cancelled."""


class PipelineFailedError(LakerunError):
    """A `full_pipeline` step failed; carries every step's result."""

    def __init__(self, message: str, results: dict[str, Any]) -> None:
        super().__init__(message)
        self.results = results


JOBS = {
    "schema_validation": "lakerun.executor.runner:run_schema_validation",
    "metadata_extraction": "lakerun.executor.extraction:run_metadata_extraction",
    "data_reading": "lakerun.executor.reading:run_data_reading",
    "quality_assessment": "lakerun.executor.quality:run_quality_assessment",
    "api_transmission": "lakerun.executor.transmission:run_api_transmission",
    "full_pipeline": "lakerun.executor.runner:run_full_pipeline",
}
"""Each job type's function, as `module:name`, imported only when the job runs."""


def job(job_type: str) -> Callable[[RunContext], dict[str, Any]]:
    """The function running `job_type`, its module imported now (a `schema_validation` run never loads pandas)."""
    module, _, name = JOBS[job_type].partition(":")
    function: Callable[[RunContext], dict[str, Any]] = getattr(importlib.import_module(module), name)
    return function


def _run_row(
    ctx: RunContext, status: str, error: str | None, result: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "run_id": ctx.run_id,
        "executor_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "run_mode": ctx.settings.job_type,
        "tenant_id": ctx.settings.tenant_id,
        "source_id": ctx.source_id,
        "source_path": ctx.settings.source_path,
        "status": status,
        "error_message": error,
        "started_at": ctx.started_at,
        "finished_at": None if status == "Running" else utcnow(),
        "result_json": json.dumps(result, default=str) if result is not None else None,
    }


def execute(
    settings: ExecutorSettings, callbacks: CallbackClient | None = None
) -> tuple[dict[str, Any], int]:
    """Run one job end to end; returns the JSON result and the process exit code."""
    header = {"run_id": settings.run_id, "job_type": settings.job_type}
    try:
        store = open_store(settings)
    except StoreError as exc:
        return {**header, "status": "failed", "error": str(exc)}, EXIT_FAILED
    ctx = RunContext(settings=settings, store=store, callbacks=callbacks)
    try:
        return _execute(ctx, header)
    finally:
        ctx.close()
        store.close()


def _execute(ctx: RunContext, header: dict[str, Any]) -> tuple[dict[str, Any], int]:
    try:
        with ctx.store.held():
            ctx.schema_report = ctx.store.validate(create=True)
            ctx.store.upsert("executor_runs", [_run_row(ctx, "Running", None, None)])
    except StoreError as exc:
        return {**header, "status": "failed", "error": str(exc)}, EXIT_FAILED
    ctx.log("INFO", f"starting {ctx.settings.job_type} (run {ctx.run_id})")
    try:
        result, error = _dispatch(ctx)
    except RunCancelledError as exc:
        result, error = {}, f"cancelled: {exc}"
    status = _status(result, error)
    output = {**header, "status": status.lower(), **({"error": error} if error else {}), **result}
    try:
        with ctx.store.held():
            ctx.flush_staged()
            ctx.flush_logs()
            ctx.store.upsert("executor_runs", [_run_row(ctx, status, error, output)])
    except StoreError as exc:
        return {**output, "status": "failed", "error": f"results could not be stored: {exc}"}, EXIT_FAILED
    _report(ctx, output, failed=bool(error))
    return output, EXIT_FAILED if error else EXIT_OK


def _dispatch(ctx: RunContext) -> tuple[dict[str, Any], str | None]:
    try:
        return job(ctx.settings.job_type)(ctx), None
    except PipelineFailedError as exc:
        return exc.results, str(exc)
    except Exception as exc:
        if isinstance(exc, JOB_FAILURES):
            ctx.log("ERROR", str(exc))
            return {}, str(exc)
        ctx.log("ERROR", f"internal error: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")
        return {}, f"internal error: {type(exc).__name__}: {exc}"


def _status(result: dict[str, Any], error: str | None) -> str:
    if error:
        return "Cancelled" if error.startswith("cancelled:") else "Failed"
    return "Partial" if _has_errors(result) else "Success"


def _has_errors(result: dict[str, Any]) -> bool:
    if result.get("error_count"):
        return True
    return any(isinstance(v, dict) and v.get("error_count") for v in result.values())


def _report(ctx: RunContext, output: dict[str, Any], failed: bool) -> None:
    if ctx.callbacks is None:
        return
    try:
        ctx.callbacks.send("result", output)
        ctx.callbacks.send("failed" if failed else "completed", {"status": output["status"]})
    except (CallbackError, OSError, ValueError) as exc:
        ctx.log("WARNING", f"result callback failed: {exc}")
