"""The task graph of a run: when a task may start, what `run_if` decides, how a run's result is named."""

from __future__ import annotations

from lakerun.local.run_model import GOOD_RESULTS, JobRun, TaskRun

FAILED = frozenset({"FAILED", "TIMEDOUT", "UPSTREAM_FAILED"})
CANCELED = frozenset({"CANCELED", "UPSTREAM_CANCELED"})
GO = "GO"


def upstream_verdict(task: TaskRun, run: JobRun) -> str | None:
    """None while an upstream task is unfinished; then GO, or the result that skips this task."""
    upstream = [run.task(key) for key in task.depends_on if _has_task(run, key)]
    if any(not dep.is_terminal for dep in upstream):
        return None
    results = [dep.result_state or "FAILED" for dep in upstream]
    if _outcome_missed(task, run):
        return "EXCLUDED"
    if task.run_if == "ALL_SUCCESS" and "EXCLUDED" in results and not set(results) & (FAILED | CANCELED):
        return "EXCLUDED"
    if not results or _condition_met(task.run_if, results):
        return GO
    if task.run_if in ("ALL_SUCCESS", "NONE_FAILED"):
        return "UPSTREAM_FAILED" if any(r in FAILED for r in results) else "UPSTREAM_CANCELED"
    return "EXCLUDED"


def _outcome_missed(task: TaskRun, run: JobRun) -> bool:
    """A dependency on a condition task's `outcome` that the condition did not produce."""
    return any(
        run.task(dependency["task_key"]).outcome != str(dependency["outcome"]).lower()
        for dependency in task.settings.get("depends_on") or []
        if dependency.get("outcome") is not None and _has_task(run, dependency["task_key"])
    )


def _condition_met(run_if: str, results: list[str]) -> bool:
    good = [r in GOOD_RESULTS for r in results]
    failed = [r in FAILED for r in results]
    if run_if == "ALL_SUCCESS":
        return all(good)
    if run_if == "NONE_FAILED":
        return not any(failed) and not any(r in CANCELED for r in results)
    if run_if == "AT_LEAST_ONE_SUCCESS":
        return any(good)
    if run_if == "ALL_FAILED":
        return all(failed)
    if run_if == "AT_LEAST_ONE_FAILED":
        return any(failed)
    return True  # ALL_DONE


def _has_task(run: JobRun, key: str) -> bool:
    return any(task.task_key == key for task in run.tasks)


def run_outcome(run: JobRun) -> tuple[str, str]:
    """The result state and message of a run whose tasks are all terminal."""
    if run.cancel_requested:
        return "CANCELED", "Run cancelled."
    if run.timed_out:
        return "TIMEDOUT", "Run timed out: it exceeded the job's timeout_seconds."
    if run.single_task and run.tasks:
        task = run.tasks[0]
        return task.result_state or "FAILED", task.state_message
    bad = [task for task in run.tasks if task.result_state not in GOOD_RESULTS]
    if not bad:
        return "SUCCESS", ""
    names = ", ".join(task.task_key for task in bad)
    if all(task.result_state in GOOD_RESULTS for task in leaf_tasks(run)):
        return "SUCCESS_WITH_FAILURES", f"Some tasks failed, but all leaf tasks succeeded: {names}"
    failed = [task.task_key for task in bad if task.result_state in ("FAILED", "TIMEDOUT")]
    if not failed and all(task.result_state in CANCELED for task in bad):
        return "CANCELED", f"Tasks were canceled: {names}"
    return "FAILED", f"Task {', '.join(failed) or names} failed. See the task runs' output for details."


def leaf_tasks(run: JobRun) -> list[TaskRun]:
    """Tasks no other task of the run depends on."""
    upstream = {key for task in run.tasks for key in task.depends_on}
    return [task for task in run.tasks if task.task_key not in upstream]


def downstream_of(run: JobRun, keys: set[str]) -> set[str]:
    """Every task that depends, directly or not, on one of `keys`."""
    found: set[str] = set()
    frontier = set(keys)
    while frontier:
        frontier = {task.task_key for task in run.tasks if set(task.depends_on) & frontier} - found
        found |= frontier
    return found


def failed_task_keys(run: JobRun) -> set[str]:
    """The tasks `rerun_all_failed_tasks` repairs: every task that did not succeed."""
    return {task.task_key for task in run.tasks if task.result_state not in GOOD_RESULTS}
