"""Admission of a run against its job's `max_concurrent_runs`: start it, queue it, or skip it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lakerun.local.run_model import JobRun, LifeCycleState, now_ms


def admit(run: JobRun, live: Iterable[JobRun], cluster_start: Callable[[], float]) -> bool:
    """Starts `run` (PENDING) when its job has room and no earlier queued run; otherwise queues it
    (queue enabled) or skips it (MAXIMUM_CONCURRENT_RUNS_REACHED). True when it started.
    `cluster_start` gives the seconds the run's cluster takes to start; it is asked only for runs that start."""
    limit = int(run.settings.get("max_concurrent_runs", 1))
    busy = [r for r in live if r.job_id == run.job_id and r.run_id != run.run_id]
    running = [r for r in busy if r.life_cycle_state != LifeCycleState.QUEUED]
    ahead = [r for r in busy if r.life_cycle_state == LifeCycleState.QUEUED and r.run_id < run.run_id]
    if run.job_id is None or (len(running) < limit and not ahead):
        start_pending(run, cluster_start())
        return True
    if run.queue_enabled and limit > 0:
        run.life_cycle_state = LifeCycleState.QUEUED
        run.queue_code = "MAX_CONCURRENT_RUNS_REACHED"
        run.state_message = f"Queued: the job reached its maximum of {limit} concurrent runs."
    elif not run.queue_enabled or limit == 0:
        run.finish(
            "SKIPPED",
            "MAXIMUM_CONCURRENT_RUNS_REACHED",
            f"Skipping this run because the limit of {limit} maximum concurrent runs has been reached.",
        )
        run.end_time = now_ms()
        for task in run.tasks:
            task.finish("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED", run.state_message)
    return False


def start_pending(run: JobRun, cluster_start_seconds: float) -> None:
    """Moves an admitted run to PENDING, held there while its cluster 'starts', with its run deadline."""
    now = now_ms()
    if run.life_cycle_state == LifeCycleState.QUEUED:
        run.queue_duration = now - run.queued_time
    run.life_cycle_state, run.state_message, run.queue_code = LifeCycleState.PENDING, "", None
    if cluster_start_seconds > 0:
        run.pending_until = now + int(cluster_start_seconds * 1000)
        run.state_message = "Waiting for the cluster to start."
    timeout = int(run.settings.get("timeout_seconds") or 0)
    run.deadline = now + timeout * 1000 if timeout > 0 else None
