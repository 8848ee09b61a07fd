"""Reading a Databricks run: its life-cycle and result states, in lakerun's status vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk.service import jobs

from lakerun.control.status import Status

_ACTIVE_LIFE_CYCLE = {
    "QUEUED": Status.QUEUED,
    "PENDING": Status.QUEUED,
    "BLOCKED": Status.QUEUED,
    "WAITING": Status.QUEUED,
    "RUNNING": Status.RUNNING,
    "TERMINATING": Status.RUNNING,
    "WAITING_FOR_RETRY": Status.RUNNING,
}
_RESULT = {
    "SUCCESS": Status.SUCCESS,
    "FAILED": Status.FAILED,
    "SUCCESS_WITH_FAILURES": Status.FAILED,
    "UPSTREAM_FAILED": Status.FAILED,
    "TIMEDOUT": Status.TIMEDOUT,
    "CANCELED": Status.CANCELLED,
    "UPSTREAM_CANCELED": Status.CANCELLED,
    "MAXIMUM_CONCURRENT_RUNS_REACHED": Status.SKIPPED,
    "EXCLUDED": Status.SKIPPED,
    "DISABLED": Status.SKIPPED,
}
_TERMINATION_CODE = {
    "SUCCESS": Status.SUCCESS,
    "USER_CANCELED": Status.CANCELLED,
    "CANCELED": Status.CANCELLED,
    "SKIPPED": Status.SKIPPED,
    "DISABLED": Status.SKIPPED,
    "MAX_CONCURRENT_RUNS_EXCEEDED": Status.SKIPPED,
}


@dataclass(frozen=True)
class RunReading:
    """What a run's state means for an attempt: status, the raw states for display, and why."""

    status: Status
    raw: str
    message: str | None


def _name(value: object) -> str | None:
    return getattr(value, "value", None) if value is not None else None


def read_state(state: jobs.RunState | None, status: jobs.RunStatus | None = None) -> RunReading:
    """Maps legacy `state` (life cycle + result) and the newer `status.termination_details` to a status."""
    life = _name(state.life_cycle_state) if state else None
    result = _name(state.result_state) if state else None
    v2_state = _name(status.state) if status else None
    details = status.termination_details if status else None
    code = _name(details.code) if details else None
    message = (details.message if details and details.message else None) or (
        state.state_message if state else None
    )
    raw = "/".join(part for part in (life or v2_state, result or code) if part) or "UNKNOWN"
    return RunReading(_status(life, result, v2_state, code), raw, message or None)


def _status(life: str | None, result: str | None, v2_state: str | None, code: str | None) -> Status:
    if life == "SKIPPED":
        return Status.SKIPPED
    if life == "INTERNAL_ERROR":
        return Status.FAILED
    if result:
        return _RESULT.get(result, Status.FAILED)
    if life == "TERMINATED" or v2_state == "TERMINATED":
        return _TERMINATION_CODE.get(code or "", Status.FAILED)
    return _ACTIVE_LIFE_CYCLE.get(life or v2_state or "", Status.RUNNING)


def read_run(run: jobs.Run | jobs.BaseRun) -> RunReading:
    """The reading of a whole run."""
    return read_state(run.state, run.status)


def read_task(task: jobs.RunTask) -> RunReading:
    """The reading of one task of a run."""
    return read_state(task.state, task.status)
