"""The run state transitions of `run_steps`, driven directly (no server, no processes)."""

from __future__ import annotations

import itertools
from pathlib import Path

from lakerun.local.run_factory import new_task
from lakerun.local.run_model import JobRun, LifeCycleState, ResultState
from lakerun.local.run_steps import Step, advance, on_exited, on_started, repair, request_cancel

ids = itertools.count(100)


def step(now: int = 1_000) -> Step:
    return Step(
        now=now,
        new_id=lambda: next(ids),
        can_launch=lambda: True,
        evaluate=lambda task, run: True,
        start_child=lambda task, run: next(ids),
        child_result=lambda run_id: None,
    )


def python_task(key: str, *upstream: str, **extra: object) -> dict[str, object]:
    settings: dict[str, object] = {"task_key": key, "spark_python_task": {"python_file": "x.py"}, **extra}
    if upstream:
        settings["depends_on"] = [{"task_key": name} for name in upstream]
    return settings


def job_run(*tasks: dict[str, object]) -> JobRun:
    run = JobRun(run_id=next(ids), job_id=1, start_time=500)
    run.tasks = [new_task(settings, lambda: next(ids)) for settings in tasks]
    return run


def finish(run: JobRun, key: str, exit_code: int, now: int, tmp_path: Path) -> Step:
    current = step(now)
    task = run.task(key)
    on_started(task, pgid=4242, step=current)
    on_exited(task, run, exit_code, tmp_path, current)
    advance(run, current)
    return current


def test_a_pending_run_starts_and_launches_only_unblocked_tasks() -> None:
    run = job_run(python_task("extract"), python_task("load", "extract"))
    current = step()
    advance(run, current)
    assert run.life_cycle_state == LifeCycleState.RUNNING
    assert current.launches == [(run.run_id, run.task("extract").run_id)]
    assert run.task("load").life_cycle_state == LifeCycleState.BLOCKED
    assert (run, "on_start") in current.notices


def test_success_of_every_task_terminates_the_run(tmp_path: Path) -> None:
    run = job_run(python_task("extract"), python_task("load", "extract"))
    advance(run, step())
    launched = finish(run, "extract", 0, 2_000, tmp_path)
    assert run.task("extract").result_state == ResultState.SUCCESS
    assert launched.launches == [(run.run_id, run.task("load").run_id)]
    done = finish(run, "load", 0, 3_000, tmp_path)
    assert (run.life_cycle_state, run.result_state) == (LifeCycleState.TERMINATED, ResultState.SUCCESS)
    assert run.end_time == 3_000 and (run, "on_success") in done.notices


def test_a_failure_skips_downstream_and_fails_the_run(tmp_path: Path) -> None:
    run = job_run(python_task("extract"), python_task("load", "extract"))
    advance(run, step())
    finish(run, "extract", 3, 2_000, tmp_path)
    assert run.task("load").result_state == ResultState.UPSTREAM_FAILED
    assert (run.life_cycle_state, run.result_state) == (LifeCycleState.TERMINATED, ResultState.FAILED)


def test_a_failure_with_retries_left_waits_for_a_new_attempt(tmp_path: Path) -> None:
    run = job_run(python_task("flaky", max_retries=1, min_retry_interval_millis=500))
    advance(run, step())
    first_id = run.task("flaky").run_id
    finish(run, "flaky", 1, 2_000, tmp_path)
    assert run.task("flaky").life_cycle_state == LifeCycleState.WAITING_FOR_RETRY
    later = step(2_600)
    advance(run, later)
    retried = run.task("flaky")
    assert retried.run_id != first_id and retried.attempt_number == 1
    assert retried.original_attempt_run_id == first_id
    assert later.launches == [(run.run_id, retried.run_id)]


def test_cancel_kills_running_processes_and_ends_queued_runs() -> None:
    running = job_run(python_task("t"))
    advance(running, step())
    on_started(running.task("t"), pgid=777, step=step())
    cancelling = step()
    request_cancel(running, cancelling)
    assert running.life_cycle_state == LifeCycleState.TERMINATING and cancelling.kills == [777]
    queued = job_run(python_task("t"))
    queued.life_cycle_state = LifeCycleState.QUEUED
    request_cancel(queued, step())
    assert (queued.life_cycle_state, queued.result_state) == (LifeCycleState.TERMINATED, ResultState.CANCELED)


def test_repair_reopens_the_run_with_fresh_attempts(tmp_path: Path) -> None:
    run = job_run(python_task("extract"), python_task("load", "extract"))
    advance(run, step())
    finish(run, "extract", 0, 2_000, tmp_path)
    finish(run, "load", 1, 3_000, tmp_path)
    assert run.result_state == ResultState.FAILED
    failed_id, kept_id = run.task("load").run_id, run.task("extract").run_id
    repairing = step(4_000)
    repair(run, repairing, keys={"load"}, current_settings={}, repair_id=999, job_parameters={})
    assert run.life_cycle_state == LifeCycleState.RUNNING and run.result_state is None
    assert run.task("extract").run_id == kept_id and run.task("load").run_id != failed_id
    assert [t.run_id for t in run.past_attempts] == [failed_id]
    assert [(h["type"], h.get("id")) for h in run.repair_history] == [("ORIGINAL", None), ("REPAIR", 999)]
    advance(run, repairing)
    finish(run, "load", 0, 5_000, tmp_path)
    assert run.result_state == ResultState.SUCCESS and run.repair_history[-1]["end_time"] == 5_000


def test_states_survive_the_json_round_trip() -> None:
    run = job_run(python_task("t"))
    run.finish("TERMINATED", "SUCCESS", "")
    again = JobRun.from_json(run.to_json())
    assert again.life_cycle_state is LifeCycleState.TERMINATED and again.result_state is ResultState.SUCCESS
    assert again.tasks[0].life_cycle_state is LifeCycleState.PENDING
