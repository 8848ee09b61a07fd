"""The task graph rules: run_if verdicts, run results, repair selections (pure functions, no server)."""

from __future__ import annotations

import pytest

from lakerun.local.dag import GO, downstream_of, failed_task_keys, run_outcome, upstream_verdict
from lakerun.local.run_model import JobRun, TaskRun


def _task(
    key: str, result: str | None = None, deps: tuple[str, ...] = (), run_if: str | None = None
) -> TaskRun:
    settings: dict = {"task_key": key, "depends_on": [{"task_key": d} for d in deps]}
    if run_if:
        settings["run_if"] = run_if
    task = TaskRun(task_key=key, settings=settings)
    if result:
        task.finish("TERMINATED", result, "")
    return task


@pytest.mark.parametrize(
    ("run_if", "upstream", "verdict"),
    [
        ("ALL_SUCCESS", ["SUCCESS", "SUCCESS"], GO),
        ("ALL_SUCCESS", ["SUCCESS", "FAILED"], "UPSTREAM_FAILED"),
        ("ALL_SUCCESS", ["SUCCESS", "CANCELED"], "UPSTREAM_CANCELED"),
        ("ALL_SUCCESS", ["EXCLUDED", "SUCCESS"], "EXCLUDED"),
        ("NONE_FAILED", ["EXCLUDED", "SUCCESS"], GO),
        ("NONE_FAILED", ["TIMEDOUT", "SUCCESS"], "UPSTREAM_FAILED"),
        ("ALL_DONE", ["FAILED", "CANCELED"], GO),
        ("AT_LEAST_ONE_SUCCESS", ["FAILED", "SUCCESS"], GO),
        ("AT_LEAST_ONE_SUCCESS", ["FAILED", "FAILED"], "EXCLUDED"),
        ("ALL_FAILED", ["FAILED", "UPSTREAM_FAILED"], GO),
        ("ALL_FAILED", ["FAILED", "SUCCESS"], "EXCLUDED"),
        ("AT_LEAST_ONE_FAILED", ["SUCCESS", "TIMEDOUT"], GO),
        ("AT_LEAST_ONE_FAILED", ["SUCCESS", "SUCCESS"], "EXCLUDED"),
    ],
)
def test_run_if_verdicts(run_if: str, upstream: list[str], verdict: str) -> None:
    run = JobRun(
        tasks=[_task("a", upstream[0]), _task("b", upstream[1]), _task("c", deps=("a", "b"), run_if=run_if)]
    )
    assert upstream_verdict(run.task("c"), run) == verdict


def test_verdict_waits_for_unfinished_upstream() -> None:
    run = JobRun(tasks=[_task("a", "SUCCESS"), _task("b"), _task("c", deps=("a", "b"))])
    assert upstream_verdict(run.task("c"), run) is None


def test_run_results() -> None:
    assert run_outcome(JobRun(tasks=[_task("a", "SUCCESS"), _task("b", "EXCLUDED")]))[0] == "SUCCESS"
    leaf_ok = JobRun(tasks=[_task("a", "FAILED"), _task("b", "SUCCESS", deps=("a",), run_if="ALL_DONE")])
    assert run_outcome(leaf_ok)[0] == "SUCCESS_WITH_FAILURES"
    failed = JobRun(tasks=[_task("a", "FAILED"), _task("b", "UPSTREAM_FAILED", deps=("a",))])
    result, message = run_outcome(failed)
    assert result == "FAILED" and "a" in message
    single = JobRun(single_task=True, tasks=[_task("a", "TIMEDOUT")])
    assert run_outcome(single)[0] == "TIMEDOUT"


def test_repair_selection() -> None:
    run = JobRun(
        tasks=[
            _task("a", "SUCCESS"),
            _task("b", "FAILED", deps=("a",)),
            _task("c", "UPSTREAM_FAILED", deps=("b",)),
            _task("d", "SUCCESS", deps=("a",)),
        ]
    )
    assert failed_task_keys(run) == {"b", "c"}
    assert downstream_of(run, {"a"}) == {"b", "c", "d"}
