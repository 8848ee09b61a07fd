"""Task bars of the run page share one time axis: sequential tasks sit side by side, unstarted ones are empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lakerun.server.dashboard.timeline import task_bars
from lakerun.server.runs.schemas import AttemptOut, TaskOut

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: int | None) -> datetime | None:
    return T0 + timedelta(seconds=seconds) if seconds is not None else None


def task(key: str, start: int | None, end: int | None, status: str = "SUCCESS") -> TaskOut:
    at = lambda s: T0 + timedelta(seconds=s) if s is not None else None  # noqa: E731
    return TaskOut(
        task_key=key,
        run_id=1,
        status=status,
        raw_state=None,
        error=None,
        started_at=at(start),
        finished_at=at(end),
    )


def attempt(end: int) -> AttemptOut:
    return AttemptOut.model_construct(started_at=T0, finished_at=T0 + timedelta(seconds=end))


def test_sequential_tasks_split_the_axis() -> None:
    bars = task_bars(
        attempt(40), [task("bronze", 0, 10), task("silver", 10, 40), task("gold", None, None, "PENDING")]
    )
    assert [(b.left, b.width) for b in bars] == [(0.0, 25.0), (25.0, 75.0), (0.0, 0.0)]


def test_a_run_without_started_tasks_has_empty_bars() -> None:
    bars = task_bars(AttemptOut.model_construct(started_at=None, finished_at=None), [task("a", None, None)])
    assert [(b.left, b.width) for b in bars] == [(0.0, 0.0)]
