"""`for_each_task`: one iteration of the nested task per input, at most `concurrency` at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lakerun.local.run_model import JobRun, LifeCycleState, TaskRun
from lakerun.local.task_params import LaunchError

if TYPE_CHECKING:
    from lakerun.local.run_steps import Step

WAITING = LifeCycleState.QUEUED


def expand_iterations(task: TaskRun, run: JobRun, step: Step) -> None:
    """Resolves the inputs (a JSON array, references allowed) and creates one waiting iteration per item."""
    task.start_time = task.exec_start_time = step.now
    try:
        inputs = _inputs(task, run, step)
    except LaunchError as exc:
        _end(task, step, "FAILED", str(exc))
        task.termination_code = exc.code
        return
    nested = {
        key: value for key, value in task.settings["for_each_task"]["task"].items() if key != "depends_on"
    }
    for value in inputs:
        iteration_id = step.new_id()
        iteration = TaskRun(
            task_key=str(nested["task_key"]),
            run_id=iteration_id,
            original_attempt_run_id=iteration_id,
            settings=nested,
            parent_task_run_id=task.run_id,
            iteration_input=value if isinstance(value, str) else json.dumps(value),
        )
        iteration.life_cycle_state = WAITING
        run.iterations.append(iteration)
    task.life_cycle_state = LifeCycleState.RUNNING
    if not inputs:
        _end(task, step, "SUCCESS", "No inputs: nothing to iterate over.")


def follow_iterations(
    task: TaskRun, run: JobRun, step: Step, advance_task: Callable[[TaskRun, JobRun, Step], None]
) -> None:
    """Starts waiting iterations up to `concurrency`, moves the others, and ends the task after the last."""
    limit = max(1, int(task.settings["for_each_task"].get("concurrency") or 1))
    iterations = run.iterations_of(task)
    active = [it for it in iterations if not it.is_terminal and it.life_cycle_state != WAITING]
    for iteration in iterations:
        if iteration.life_cycle_state == WAITING and len(active) < limit and not run.cancel_requested:
            iteration.life_cycle_state = LifeCycleState.PENDING
            active.append(iteration)
    for iteration in iterations:
        if not iteration.is_terminal:
            advance_task(iteration, run, step)
    iterations = run.iterations_of(task)
    if all(it.is_terminal for it in iterations):
        failed = [it for it in iterations if it.result_state != "SUCCESS"]
        if failed:
            _end(task, step, "FAILED", f"{len(failed)} of {len(iterations)} iterations did not succeed.")
        else:
            _end(task, step, "SUCCESS", f"All {len(iterations)} iterations succeeded.")


def _inputs(task: TaskRun, run: JobRun, step: Step) -> list[Any]:
    raw = task.settings["for_each_task"].get("inputs", "")
    text = raw if isinstance(raw, str) else json.dumps(raw)
    resolved = step.resolve(task, run, text)
    try:
        inputs = json.loads(resolved)
    except json.JSONDecodeError as exc:
        raise LaunchError(
            f"Task {task.task_key}: for_each_task inputs are not a JSON array: {resolved[:200]}"
        ) from exc
    if not isinstance(inputs, list):
        raise LaunchError(
            f"Task {task.task_key}: for_each_task inputs must be a JSON array, got {resolved[:200]}"
        )
    return inputs


def _end(task: TaskRun, step: Step, result: str, message: str) -> None:
    task.finish("TERMINATED", result, message)
    task.end_time = step.now
