"""The state transitions of a run and its tasks; side effects are collected, not performed.

The engine calls these under its lock, saves the changed runs, then carries out the collected
effects (launch a task, kill a process group, send a notification): commit first, effects after.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lakerun.local.dag import GO, run_outcome, upstream_verdict
from lakerun.local.for_each import expand_iterations, follow_iterations
from lakerun.local.run_factory import new_task
from lakerun.local.run_model import JobRun, LifeCycleState, TaskRun
from lakerun.local.task_params import LaunchError
from lakerun.local.task_spec import ERROR_FILE


@dataclass
class Step:
    """Inputs and collected effects of one pass over the live runs."""

    now: int
    new_id: Callable[[], int]
    can_launch: Callable[[], bool]
    evaluate: Callable[[TaskRun, JobRun], bool]
    """The outcome of a condition task."""
    start_child: Callable[[TaskRun, JobRun], int]
    """Starts the job run of a run_job_task and returns its run id."""
    child_result: Callable[[int], tuple[str, str] | None]
    """(result state, message) of a finished child job run; None while it runs."""
    resolve: Callable[[TaskRun, JobRun, str], str] = lambda task, run, text: text
    """`text` with the task's `{{...}}` references resolved."""
    child_cancels: list[int] = field(default_factory=list)
    """Child job runs to cancel."""
    launches: list[tuple[int, int]] = field(default_factory=list)
    """(job run id, task run id) to start."""
    kills: list[int] = field(default_factory=list)
    """Process groups to end."""
    notices: list[tuple[JobRun, str]] = field(default_factory=list)
    """(run, event) notifications to send once saved."""


def advance(run: JobRun, step: Step) -> None:
    """Moves a run as far as it can go now: start, time out, launch ready tasks, finish."""
    if run.is_terminal or run.life_cycle_state == "QUEUED":
        return
    if run.life_cycle_state == "PENDING":
        if run.pending_until and step.now < run.pending_until:
            return
        run.life_cycle_state, run.state_message = LifeCycleState.RUNNING, ""
        step.notices.append((run, "on_start"))
    if run.deadline and step.now >= run.deadline and not (run.timed_out or run.cancel_requested):
        run.timed_out = True
        stop_tasks(run, "TIMEDOUT", step)
    _warn_about_duration(run, step)
    for task in run.tasks:
        _advance_task(task, run, step)
    if all(task.is_terminal for task in run.tasks):
        _finish_run(run, step)


def _warn_about_duration(run: JobRun, step: Step) -> None:
    warn_at = run.duration_warning_at
    if warn_at is not None and not run.duration_warned and step.now > warn_at:
        run.duration_warned = True
        step.notices.append((run, "on_duration_warning_threshold_exceeded"))


def request_cancel(run: JobRun, step: Step) -> None:
    """Cancels a run: a queued one ends at once, a started one has its tasks stopped."""
    if run.is_terminal:
        return
    run.cancel_requested = True
    if run.life_cycle_state != "QUEUED":
        stop_tasks(run, "CANCELED", step)
        return
    run.finish("TERMINATED", "CANCELED", "Run cancelled while queued.")
    run.user_cancelled_or_timedout = True
    run.end_time = step.now
    for task in run.tasks:
        task.finish("TERMINATED", "CANCELED", "Run cancelled while queued.")


def repair(
    run: JobRun,
    step: Step,
    *,
    keys: set[str],
    current_settings: dict[str, dict[str, Any]],
    repair_id: int,
    job_parameters: dict[str, str],
) -> None:
    """Re-opens a finished run: fresh attempts of the `keys` tasks (with the job's current settings
    where it still has the task), earlier attempts kept, the repair recorded in `repair_history`."""
    if not run.repair_history:
        run.repair_history.append(run.history_item("ORIGINAL", None, (run.start_time, run.end_time)))
    for index, task in enumerate(run.tasks):
        if task.task_key in keys:
            run.past_attempts.append(task)
            run.tasks[index] = new_task(current_settings.get(task.task_key, task.settings), step.new_id)
    if job_parameters:
        run.job_parameters = [
            {**p, "value": job_parameters.get(p["name"], p["value"])} for p in run.job_parameters
        ]
    run.reopen("RUNNING")
    run.cancel_requested = run.timed_out = False
    run.end_time = 0
    timeout = int(run.settings.get("timeout_seconds") or 0)
    run.deadline = step.now + timeout * 1000 if timeout > 0 else None
    new_ids = [t.run_id for t in run.tasks if t.task_key in keys]
    run.repair_history.append(run.history_item("REPAIR", repair_id, (step.now, 0), new_ids))


def stop_tasks(run: JobRun, reason: str, step: Step) -> None:
    """Cancels (reason CANCELED) or times out (TIMEDOUT) every unfinished task of a run."""
    if run.life_cycle_state in ("RUNNING", "PENDING"):
        run.life_cycle_state = LifeCycleState.TERMINATING
    for task in run.processes:
        if task.is_terminal or task.kill_reason:
            continue
        if task.child_run_id is not None:
            step.child_cancels.append(task.child_run_id)
            _end_task(
                task,
                step.now,
                "CANCELED",
                f"The run was {reason.lower()}; its job run {task.child_run_id} is cancelled.",
            )
        elif task.launch_time and task.life_cycle_state != "WAITING_FOR_RETRY":
            task.kill_reason = reason
            task.life_cycle_state = LifeCycleState.TERMINATING
            if task.pgid:
                step.kills.append(task.pgid)
        else:
            _end_task(
                task,
                step.now,
                "CANCELED",
                f"The run was {'cancelled' if reason == 'CANCELED' else 'timed out'} before this task started.",
            )


def on_started(task: TaskRun, pgid: int, step: Step) -> None:
    """The task's process is running."""
    task.pgid = pgid
    task.exec_start_time = step.now
    if task.kill_reason:
        step.kills.append(pgid)
        return
    task.life_cycle_state = LifeCycleState.RUNNING
    timeout = int(task.settings.get("timeout_seconds") or 0)
    task.deadline = step.now + timeout * 1000 if timeout > 0 else None


def on_exited(task: TaskRun, run: JobRun, exit_code: int, folder: Path, step: Step) -> None:
    """The task's process ended: success, failure (maybe retried), timeout or cancellation."""
    task.exit_code = exit_code
    if task.kill_reason == "CANCELED":
        _end_task(task, step.now, "CANCELED", "Task run was cancelled.", user=True)
    elif task.kill_reason == "TIMEDOUT":
        seconds = task.settings.get("timeout_seconds") or run.settings.get("timeout_seconds")
        _end_task(task, step.now, "TIMEDOUT", f"Task timed out after {seconds} seconds.", user=True)
        if task.settings.get("retry_on_timeout"):
            _maybe_retry(task, run, step)
    elif exit_code == 0:
        _end_task(task, step.now, "SUCCESS", "")
    else:
        _end_task(task, step.now, "FAILED", _failure_message(folder, exit_code))
        _maybe_retry(task, run, step)


def on_launch_failed(task: TaskRun, code: str, message: str, step: Step) -> None:
    """The task could not start (bad configuration, library installation failure)."""
    _end_task(task, step.now, "FAILED", message)
    task.termination_code = code


def retry_now(task: TaskRun, run: JobRun, step: Step) -> None:
    """Replaces a task waiting for retry with its next attempt (a new task run id)."""
    following = TaskRun(
        task_key=task.task_key,
        run_id=step.new_id(),
        settings=task.settings,
        attempt_number=task.attempt_number + 1,
        original_attempt_run_id=task.original_attempt_run_id or task.run_id,
        parent_task_run_id=task.parent_task_run_id,
        iteration_input=task.iteration_input,
    )
    for container in (run.tasks, run.iterations):
        for index, current in enumerate(container):
            if current is task:
                container[index] = following


def _advance_task(task: TaskRun, run: JobRun, step: Step) -> None:
    state = task.life_cycle_state
    if state == "BLOCKED" and not run.cancel_requested:
        verdict = upstream_verdict(task, run)
        if verdict == GO:
            task.life_cycle_state = LifeCycleState.PENDING
        elif verdict is not None:
            _end_task(task, step.now, verdict, _skip_message(verdict))
            task.start_time = step.now
    if task.life_cycle_state == "PENDING" and "condition_task" in task.settings:
        _decide(task, run, step)
    elif task.life_cycle_state == "PENDING" and "run_job_task" in task.settings:
        _start_child(task, run, step)
    elif task.life_cycle_state == "PENDING" and "for_each_task" in task.settings:
        expand_iterations(task, run, step)
    elif state == "RUNNING" and "for_each_task" in task.settings:
        follow_iterations(task, run, step, _advance_task)
    elif state == "RUNNING" and task.child_run_id is not None:
        _follow_child(task, step)
    elif task.life_cycle_state == "PENDING" and not task.launch_time and step.can_launch():
        task.launch_time = task.start_time = step.now
        step.launches.append((run.run_id, task.run_id))
    elif state == "RUNNING" and task.deadline and step.now >= task.deadline and not task.kill_reason:
        task.kill_reason = "TIMEDOUT"
        task.life_cycle_state = LifeCycleState.TERMINATING
        if task.pgid:
            step.kills.append(task.pgid)
    elif state == "WAITING_FOR_RETRY" and task.retry_at is not None and step.now >= task.retry_at:
        retry_now(task, run, step)
        following = next(
            t
            for t in run.processes
            if t.original_attempt_run_id == task.original_attempt_run_id and not t.is_terminal
        )
        _advance_task(following, run, step)


def _decide(task: TaskRun, run: JobRun, step: Step) -> None:
    task.start_time = task.exec_start_time = step.now
    try:
        outcome = step.evaluate(task, run)
    except LaunchError as exc:
        on_launch_failed(task, exc.code, str(exc), step)
        return
    task.outcome = "true" if outcome else "false"
    _end_task(task, step.now, "SUCCESS", f"Condition evaluated to {task.outcome}.")


def _start_child(task: TaskRun, run: JobRun, step: Step) -> None:
    task.start_time = task.launch_time = task.exec_start_time = step.now
    try:
        task.child_run_id = step.start_child(task, run)
    except LaunchError as exc:
        on_launch_failed(task, exc.code, str(exc), step)
        return
    task.life_cycle_state = LifeCycleState.RUNNING
    task.state_message = f"Running job run {task.child_run_id}."


def _follow_child(task: TaskRun, step: Step) -> None:
    assert task.child_run_id is not None
    finished = step.child_result(task.child_run_id)
    if finished is None:
        return
    result, message = finished
    mapped = result if result in ("SUCCESS", "CANCELED", "TIMEDOUT") else "FAILED"
    if result == "SUCCESS_WITH_FAILURES":
        mapped = "SUCCESS"
    _end_task(task, step.now, mapped, f"Job run {task.child_run_id} ended {result}. {message}".strip())


def _maybe_retry(task: TaskRun, run: JobRun, step: Step) -> None:
    max_retries = int(task.settings.get("max_retries") or 0)
    if run.cancel_requested or run.timed_out or not (max_retries < 0 or task.attempt_number < max_retries):
        return
    run.past_attempts.append(replace(task))
    task.life_cycle_state = LifeCycleState.WAITING_FOR_RETRY
    task.state_message = (
        f"Attempt {task.attempt_number} failed ({task.result_state}); waiting to retry. {task.state_message}"
    )
    task.result_state = None
    task.retry_at = step.now + int(task.settings.get("min_retry_interval_millis") or 0)


def _end_task(task: TaskRun, now: int, result: str, message: str, user: bool = False) -> None:
    task.finish("TERMINATED", result, message)
    task.end_time = now
    task.user_cancelled_or_timedout = user


def _finish_run(run: JobRun, step: Step) -> None:
    result, message = run_outcome(run)
    run.finish("TERMINATED", result, message)
    run.user_cancelled_or_timedout = run.cancel_requested or run.timed_out
    run.end_time = step.now
    if run.repair_history:
        run.repair_history[-1].update(end_time=step.now, state=run.state_dict(), status=run.status_dict())
    step.notices.append((run, "on_success" if result == "SUCCESS" else "on_failure"))


def _failure_message(folder: Path, exit_code: int) -> str:
    error_file = folder / ERROR_FILE
    if error_file.exists():
        return f"Workload failed: {json.loads(error_file.read_text()).get('error', '')}"
    return f"Workload failed: the task process exited with code {exit_code}."


def _skip_message(verdict: str) -> str:
    return {
        "UPSTREAM_FAILED": "Upstream task failed.",
        "UPSTREAM_CANCELED": "Upstream task was cancelled.",
        "EXCLUDED": "The task's run_if condition was not met.",
    }.get(verdict, verdict)
