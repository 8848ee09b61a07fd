"""`condition_task`: compares two values (after `{{...}}` references) without starting a process."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from lakerun.local.paths import WorkspacePaths
from lakerun.local.run_model import JobRun, TaskRun
from lakerun.local.task_params import LaunchError, resolve_references, task_references, task_values_dir

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "EQUAL_TO": operator.eq,
    "NOT_EQUAL": operator.ne,
    "GREATER_THAN": operator.gt,
    "GREATER_THAN_OR_EQUAL": operator.ge,
    "LESS_THAN": operator.lt,
    "LESS_THAN_OR_EQUAL": operator.le,
}
TEXT_OPERATORS = ("EQUAL_TO", "NOT_EQUAL")


def evaluate_condition(task: TaskRun, run: JobRun, paths: WorkspacePaths) -> bool:
    """The outcome of a condition task; numbers compare as numbers, other text only for (in)equality."""
    condition = task.settings["condition_task"]
    op = str(condition.get("op", ""))
    if op not in OPERATORS:
        raise LaunchError(f"Task {task.task_key}: unknown condition op {op!r}")
    references = task_references(task, run, task_values_dir(paths, run.run_id))
    left = resolve_references(str(condition.get("left", "")), references)
    right = resolve_references(str(condition.get("right", "")), references)
    try:
        return OPERATORS[op](float(left), float(right))
    except ValueError:
        if op not in TEXT_OPERATORS:
            raise LaunchError(
                f"Task {task.task_key}: {op} needs numbers, got {left!r} and {right!r}"
            ) from None
        return OPERATORS[op](left, right)
