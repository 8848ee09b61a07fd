"""Task bars on a shared time axis, so a run page shows which task ran when and for how long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lakerun.server.runs.schemas import AttemptOut, TaskOut


@dataclass(frozen=True)
class Bar:
    """One task's bar: where it starts and how wide it is, in percent of the run's span."""

    task: TaskOut
    left: float
    width: float


def task_bars(attempt: AttemptOut, tasks: list[TaskOut]) -> list[Bar]:
    """Bars for the tasks that started; the axis runs from the first start to the last end (or now)."""
    now = datetime.now(UTC)
    starts = [t.started_at for t in tasks if t.started_at] + (
        [attempt.started_at] if attempt.started_at else []
    )
    if not starts:
        return [Bar(task, 0.0, 0.0) for task in tasks]
    origin = min(starts)
    ends = [t.finished_at or now for t in tasks if t.started_at] + [attempt.finished_at or now]
    span = max((max(ends) - origin).total_seconds(), 0.001)
    bars = []
    for task in tasks:
        if task.started_at is None:
            bars.append(Bar(task, 0.0, 0.0))
            continue
        left = (task.started_at - origin).total_seconds() / span * 100
        width = ((task.finished_at or now) - task.started_at).total_seconds() / span * 100
        bars.append(Bar(task, round(left, 2), round(max(width, 0.5), 2)))
    return bars
