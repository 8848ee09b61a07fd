"""What a runs/repair request may ask: the checks Databricks makes and the tasks it re-runs."""

from __future__ import annotations

from typing import Any

from lakerun.local.dag import downstream_of, failed_task_keys
from lakerun.local.errors import invalid_parameter, invalid_state
from lakerun.local.run_model import JobRun


def check_repairable(run: JobRun, latest_repair_id: Any) -> None:
    """A run can be repaired once finished; after a first repair, `latest_repair_id` must name the last one."""
    if not run.is_terminal:
        raise invalid_state(f"Run {run.run_id} is still active; only finished runs can be repaired.")
    repairs = [item["id"] for item in run.repair_history if item.get("type") == "REPAIR"]
    if repairs and latest_repair_id is None:
        raise invalid_parameter("latest_repair_id is required to repair a run that was already repaired")
    if repairs and int(latest_repair_id) != repairs[-1]:
        raise invalid_parameter(
            f"latest_repair_id {latest_repair_id} is not the latest repair of run {run.run_id} ({repairs[-1]})"
        )


def keys_to_rerun(run: JobRun, request: dict[str, Any]) -> set[str]:
    """The task keys a repair re-runs: `rerun_tasks`, failed ones, and their dependents if asked."""
    keys = {str(key) for key in request.get("rerun_tasks") or []}
    unknown = keys - {task.task_key for task in run.tasks}
    if unknown:
        raise invalid_parameter(f"Tasks not found in run {run.run_id}: {', '.join(sorted(unknown))}")
    if request.get("rerun_all_failed_tasks"):
        keys |= failed_task_keys(run)
    if request.get("rerun_dependent_tasks"):
        keys |= downstream_of(run, keys)
    if not keys:
        raise invalid_parameter(
            "No tasks to repair: give rerun_tasks or rerun_all_failed_tasks (the run has no failed task)"
        )
    return keys
