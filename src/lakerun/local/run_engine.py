"""The run engine: one scheduler thread that admits, queues, launches, times out and finishes runs.

Task processes are watched by one waiter thread each, which posts an event the moment the process
exits, so the scheduler reacts at once instead of polling; between events it sleeps exactly until
the next deadline (cluster start, timeout, retry, a job's next scheduled instant, the next look at
watched file-arrival locations, a continuous job's back-off).
"""

from __future__ import annotations

import copy
import json
import logging
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lakerun.local.cluster_spec import cluster_environment, task_cluster
from lakerun.local.conditions import evaluate_condition
from lakerun.local.config import WorkspaceConfig
from lakerun.local.continuous_jobs import ContinuousJobs
from lakerun.local.db import StateDB
from lakerun.local.errors import DatabricksError, unknown_id
from lakerun.local.faults import FaultInjector
from lakerun.local.file_arrival import FileArrivalTriggers
from lakerun.local.ids import next_id
from lakerun.local.job_schedules import JobSchedules
from lakerun.local.job_store import JobStore
from lakerun.local.notifications import Notifier
from lakerun.local.paths import WorkspacePaths
from lakerun.local.repair_rules import check_repairable, keys_to_rerun
from lakerun.local.run_admission import admit
from lakerun.local.run_factory import job_run, scheduled_run, submit_run
from lakerun.local.run_model import JobRun, TaskRun, now_ms
from lakerun.local.run_steps import (
    Step,
    advance,
    on_exited,
    on_launch_failed,
    on_started,
    repair,
    request_cancel,
)
from lakerun.local.run_store import RunFilter, RunStore
from lakerun.local.task_params import (
    LaunchError,
    build_spec,
    resolve_references,
    task_libraries,
    task_references,
    task_values_dir,
)
from lakerun.local.task_process import (
    ForkServer,
    is_task_group,
    kill_tree,
    python_for_task,
    reap_leftovers,
    spawn,
    task_environment,
)

LOG = logging.getLogger(__name__)
MAX_SLEEP_SECONDS = 5.0
RESTART_MESSAGE = (
    "The local workspace stopped while this run was in flight; after the restart the run cannot be "
    "resumed and is marked INTERNAL_ERROR."
)

Event = Callable[[Step], None]


class RunEngine:
    """Owns every live (non-terminal) run and every change to jobs and runs.

    API modules call its public methods (`create_job`, `update_job`, `run_now`, `submit`, `repair`,
    `cancel`, ...), which take its lock; the lock, the run store and the live runs stay private.
    Every method may block on the lock, the state database or files: call them from worker threads.
    """

    def __init__(
        self, config: WorkspaceConfig, db: StateDB, paths: WorkspacePaths, faults: FaultInjector
    ) -> None:
        self.config = config
        self.db = db
        self.paths = paths
        self._store = RunStore(db)
        self._jobs = JobStore(db)
        self.schedules = JobSchedules(db)
        self.continuous = ContinuousJobs(db)
        self.file_triggers = FileArrivalTriggers(db, paths)
        self._next_poll_ms = 0
        self.faults = faults
        self.notifier = Notifier(paths.root)
        self._lock = threading.RLock()
        self._live: dict[int, JobRun] = {}
        self._saved: dict[int, str] = {}
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="lakerun-run-engine", daemon=True)
        self._forks = ForkServer()

    def start(self) -> None:
        """Marks runs a previous server left in flight as INTERNAL_ERROR, then starts scheduling."""
        for run in self._store.active():
            self._fail_after_restart(run)
        self._resume_schedules()
        self._thread.start()
        threading.Thread(
            target=self._forks.warm_up, args=(task_environment(self._task_env()),), daemon=True
        ).start()

    def stop(self) -> None:
        """Stops scheduling and kills running task processes (their runs stay in flight on disk)."""
        self._stopping = True
        self._events.put(None)
        self._thread.join(timeout=10)
        with self._lock:
            groups = [
                t.pgid for run in self._live.values() for t in run.processes if t.pgid and not t.is_terminal
            ]
        for pgid in groups:
            kill_tree(pgid, grace=0.5)
        self._forks.close()

    # -- the closed API ------------------------------------------------------------------------

    def create_job(self, settings: dict[str, Any]) -> int:
        """Stores a new job and arms its triggers; returns its id."""
        with self._lock:
            job_id = self._jobs.create(settings)
            self._job_changed(job_id, settings)
        return job_id

    def update_job(self, job_id: int, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Replaces a job's settings with `change(current settings)` (jobs/update and jobs/reset)."""
        with self._lock:
            settings = change(self._jobs.settings(job_id))
            self._jobs.replace(job_id, settings)
            self._job_changed(job_id, settings)

    def delete_job(self, job_id: int) -> None:
        """Deletes a job and disarms its triggers (its finished runs stay readable)."""
        with self._lock:
            self._jobs.delete(job_id)
            self._job_changed(job_id, None)

    def run_now(self, job_id: int, request: dict[str, Any]) -> int:
        """Starts, queues or skips a run of a job; an idempotency token returns its existing run."""
        with self._lock:
            existing = self._by_token(request)
            if existing is not None:
                return existing
            return self._add(job_run(job_id, self._jobs.settings(job_id), request, self.new_id)).run_id

    def submit(self, request: dict[str, Any]) -> int:
        """Starts a one-time run; an idempotency token returns its existing run."""
        with self._lock:
            existing = self._by_token(request)
            if existing is not None:
                return existing
            return self._add(submit_run(request, self.new_id)).run_id

    def repair(self, run_id: int, request: dict[str, Any]) -> int:
        """Re-runs chosen tasks of a finished run with the job's current settings; returns the repair id."""
        with self._lock:
            run = self.get(run_id)
            if run is None:
                raise unknown_id(f"Run {run_id} does not exist.")
            check_repairable(run, request.get("latest_repair_id"))
            keys = keys_to_rerun(run, request)
            current = {}
            if run.job_id is not None and self._jobs.exists(run.job_id):
                current = {t["task_key"]: t for t in self._jobs.settings(run.job_id).get("tasks") or []}
            given = {str(k): str(v) for k, v in (request.get("job_parameters") or {}).items()}
            repair_id = self.new_id()
            repair(
                run,
                self._step(),
                keys=keys,
                current_settings=current,
                repair_id=repair_id,
                job_parameters=given,
            )
            self._live[run.run_id] = run
            self._commit(run)
        self.wake()
        return repair_id

    def cancel(self, run_id: int) -> None:
        """Asks a run to stop: queued runs end at once, running tasks have their process trees killed."""
        self.change(run_id, request_cancel)

    def list_runs(self, where: RunFilter, offset: int, limit: int) -> tuple[list[JobRun], bool]:
        """A page of runs, newest first, and whether more follow."""
        return self._store.list(where, offset, limit)

    def parent_of(self, task_run_id: int) -> int | None:
        """The job run a task run belongs to."""
        return self._store.parent_of(task_run_id)

    def _by_token(self, request: dict[str, Any]) -> int | None:
        token = request.get("idempotency_token")
        return self._store.by_token(str(token)) if token else None

    def new_id(self) -> int:
        """A fresh id for a run, task run or repair."""
        return next_id(self.db)

    def folder(self, task_run_id: int) -> Path:
        """Where a task run's spec, logs and outputs live."""
        return self.paths.root / "runs" / str(task_run_id)

    def _add(self, run: JobRun) -> JobRun:
        """Admits a new run: starts it, queues it, or skips it at the job's concurrency limit."""
        with self._lock:
            self._admit(run)
            self._commit(run)
        if run.life_cycle_state == "SKIPPED":
            self.notifier.run_event(run, "on_failure")
        self.wake()
        return run

    def change(self, run_id: int, action: Callable[[JobRun, Step], None]) -> None:
        """Applies `action` to a live run under the lock, then saves it and carries out the effects."""
        with self._lock:
            run = self._live.get(run_id)
            if run is None:
                return
            step = self._step()
            action(run, step)
            self._settle(step)
        self.wake()

    def _job_changed(self, job_id: int, settings: dict[str, Any] | None) -> None:
        """Applies a job's new settings (None: deleted) to its schedule, file-arrival trigger and
        continuous mode at once, under the lock that also covers the job store write, so the
        scheduler never fires a stale definition."""
        with self._lock:
            if settings is None:
                self._forget_triggers(job_id)
            else:
                self._sync_triggers(job_id, settings)
        self.wake()

    def wake(self) -> None:
        """Makes the scheduler look at the runs now."""
        self._events.put(lambda step: None)

    def get(self, run_id: int) -> JobRun | None:
        """A copy of a run, live or stored."""
        with self._lock:
            live = self._live.get(run_id)
            return copy.deepcopy(live) if live else self._store.get(run_id)

    def active_runs(self, job_id: int | None) -> list[JobRun]:
        """Live runs, of one job or all."""
        with self._lock:
            return [copy.deepcopy(r) for r in self._live.values() if job_id is None or r.job_id == job_id]

    def delete(self, run: JobRun) -> None:
        """Removes a finished run and its task folders."""
        with self._lock:
            self._store.delete(run.run_id)
        for task in (*run.processes, *run.past_attempts):
            shutil.rmtree(self.folder(task.run_id), ignore_errors=True)
        shutil.rmtree(task_values_dir(self.paths, run.run_id), ignore_errors=True)

    # -- scheduling -------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping:
            try:
                events = [self._events.get(timeout=self._seconds_to_next_deadline())]
            except queue.Empty:
                events = []
            events += self._waiting_events()
            if self._stopping:
                return
            try:
                self._turn([e for e in events if e is not None])
            except Exception:
                LOG.exception("run engine step failed; the scheduler carries on")

    def _waiting_events(self) -> list[Event | None]:
        """Every event already queued, so a burst (thousands of submits) costs one turn, not one each."""
        waiting: list[Event | None] = []
        while True:
            try:
                waiting.append(self._events.get_nowait())
            except queue.Empty:
                return waiting

    def _turn(self, events: list[Event]) -> None:
        with self._lock:
            step = self._step()
            for event in events:
                try:
                    event(step)
                except Exception:
                    LOG.exception("run engine event failed; the other events of this turn still apply")
            self._fire_schedules()
            self._fire_file_arrivals()
            for _ in range(2):  # a second pass lets tasks that follow a child job run see it end
                for run in list(self._live.values()):
                    advance(run, step)
                    self._commit(run)
            for run in self._admit_queued():
                advance(run, step)
            self._fire_continuous()
            self._settle(step)

    def _fire_schedules(self) -> None:
        """Starts one run of each job whose instant has come; the run and the job's next instant are
        stored in one transaction, so a crash can neither lose the instant nor fire it twice."""
        now = now_ms()
        for job_id in self.schedules.due(now):
            self._start_triggered(
                job_id, "PERIODIC", lambda job, settings: self.schedules.advance(job, settings, now)
            )

    def _fire_file_arrivals(self) -> None:
        """Every `file_arrival_poll_seconds`, looks at the watched locations and starts one run of each
        job whose new files have settled; the run and the firing are stored in one transaction."""
        now = now_ms()
        if now < self._next_poll_ms or not self.file_triggers.any():
            return
        self._next_poll_ms = now + int(self.config.file_arrival_poll_seconds * 1000)
        for job_id in self.file_triggers.poll(now):
            self._start_triggered(job_id, "FILE_ARRIVAL", lambda job, _: self.file_triggers.fired(job, now))

    def _fire_continuous(self) -> None:
        """Starts a run of each continuous job that has none, once its failure back-off has passed; a
        job whose run cannot even start (or is skipped at once) backs off as if the run had failed."""
        now = now_ms()
        for job_id in self.continuous.due(now, self._busy_jobs()):
            run = self._start_triggered(job_id, "CONTINUOUS", lambda job, _: True)
            if run is None or run.is_terminal:
                self.continuous.run_ended(job_id, "FAILED", now)

    def _busy_jobs(self) -> set[int]:
        return {run.job_id for run in self._live.values() if run.job_id is not None}

    def _start_triggered(
        self, job_id: int, trigger: str, record: Callable[[int, dict[str, Any]], bool]
    ) -> JobRun | None:
        """Starts a run a job fires by itself; `record` notes the firing in the same transaction as
        the run (False: the trigger is gone), so a crash can neither lose a firing nor repeat it.
        Returns the run, or None when none started."""
        if not self._jobs.exists(job_id):
            self._forget_triggers(job_id)
            return None
        with self.db.transaction():
            settings = self._jobs.settings(job_id)
            if not record(job_id, settings):
                return None
            try:
                run = scheduled_run(job_id, settings, self.new_id, trigger)
            except DatabricksError as exc:
                LOG.warning("Job %s was triggered (%s) but cannot run: %s", job_id, trigger, exc.message)
                return None
            return self._add(run)

    def _resume_schedules(self) -> None:
        """Reloads every job's triggers from the state database: unchanged schedules keep their stored
        next instant (one catch-up run if it passed while the workspace was down), unchanged file
        triggers what they had seen, continuous jobs their back-off."""
        with self._lock:
            jobs = self._jobs.all_settings()
            for table in (self.schedules, self.file_triggers, self.continuous):
                table.keep_only(set(jobs))
            for job_id, settings in jobs.items():
                try:
                    self._sync_triggers(job_id, settings)
                except DatabricksError as exc:
                    LOG.warning("Job %s keeps its triggers but they cannot fire: %s", job_id, exc.message)
                    self._forget_triggers(job_id)

    def _sync_triggers(self, job_id: int, settings: dict[str, Any]) -> None:
        self.schedules.sync(job_id, settings, now_ms())
        self.file_triggers.sync(job_id, settings)
        self.continuous.sync(job_id, settings)

    def _forget_triggers(self, job_id: int) -> None:
        for table in (self.schedules, self.file_triggers, self.continuous):
            table.forget(job_id)

    def _step(self) -> Step:
        return Step(
            now=now_ms(),
            new_id=self.new_id,
            can_launch=self._can_launch,
            evaluate=lambda task, run: evaluate_condition(task, run, self.paths),
            resolve=lambda task, run, text: resolve_references(
                text, task_references(task, run, task_values_dir(self.paths, run.run_id))
            ),
            start_child=self._start_child,
            child_result=self._child_result,
        )

    def _start_child(self, task: TaskRun, run: JobRun) -> int:
        settings = task.settings["run_job_task"]
        job_id = int(settings.get("job_id") or 0)
        request = {"job_parameters": settings.get("job_parameters") or {}}
        try:
            child = job_run(job_id, self._jobs.settings(job_id), request, self.new_id)
        except DatabricksError as exc:
            raise LaunchError(
                f"Task {task.task_key} cannot run job {job_id}: {exc.message}", "RESOURCE_NOT_FOUND"
            ) from exc
        child.trigger = "RUN_JOB_TASK"
        self._admit(child)
        self._commit(child)
        return child.run_id

    def _child_result(self, run_id: int) -> tuple[str, str] | None:
        child = self._live.get(run_id) or self._store.get(run_id)
        if child is None:
            return "FAILED", f"Job run {run_id} no longer exists."
        if not child.is_terminal:
            return None
        return child.result_state or child.life_cycle_state, child.state_message

    def _settle(self, step: Step) -> None:
        while step.child_cancels:
            child = self._live.get(step.child_cancels.pop())
            if child is not None:
                request_cancel(child, step)
        for run in list(self._live.values()):
            self._commit(run)
        for run_id, task_run_id in step.launches:
            threading.Thread(target=self._launch, args=(run_id, task_run_id), daemon=True).start()
        for pgid in step.kills:
            threading.Thread(target=kill_tree, args=(pgid,), daemon=True).start()
        for run, event in step.notices:
            self.notifier.run_event(run, event)

    def _commit(self, run: JobRun) -> None:
        document = json.dumps(run.to_json())
        if self._saved.get(run.run_id) != document:
            self._store.save(run)
            self._saved[run.run_id] = document
        if run.is_terminal:
            if run.job_id is not None and run.run_id in self._live:
                self.continuous.run_ended(run.job_id, run.result_state or run.life_cycle_state, now_ms())
            self._live.pop(run.run_id, None)
            self._saved.pop(run.run_id, None)
        else:
            self._live[run.run_id] = run

    def _seconds_to_next_deadline(self) -> float:
        with self._lock:
            moments = [m for run in self._live.values() for m in _deadlines(run)]
            next_fire = self.schedules.next_fire_ms()
            next_continuous = self.continuous.next_start_ms(self._busy_jobs())
            next_poll = self._next_poll_ms if self.file_triggers.any() else None
        moments += [m for m in (next_fire, next_continuous, next_poll) if m is not None]
        if not moments:
            return MAX_SLEEP_SECONDS
        return max(0.0, min(MAX_SLEEP_SECONDS, (min(moments) - now_ms()) / 1000))

    def _can_launch(self) -> bool:
        running = sum(
            1
            for run in self._live.values()
            for t in run.processes
            if t.launch_time and not t.is_terminal and t.life_cycle_state != "WAITING_FOR_RETRY"
        )
        return running < self.config.max_parallel_tasks

    # -- admission --------------------------------------------------------------------------

    def _admit(self, run: JobRun) -> bool:
        return admit(run, list(self._live.values()), self.faults.cluster_start_seconds)

    def _admit_queued(self) -> list[JobRun]:
        queued = sorted(
            (r for r in self._live.values() if r.life_cycle_state == "QUEUED"), key=lambda r: r.run_id
        )
        return [run for run in queued if self._admit(run)]

    # -- task processes ---------------------------------------------------------------------

    def _launch(self, run_id: int, task_run_id: int) -> None:
        with self._lock:
            run = copy.deepcopy(self._live.get(run_id))
        task = run.current_task_run(task_run_id) if run else None
        if run is None or task is None:
            return
        folder = self.folder(task_run_id)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            spec = build_spec(task, run, self.paths, folder)
            python = python_for_task(self.paths.root, task.settings, task_libraries(task, run))
            env = {**cluster_environment(task_cluster(task.settings, run.settings)), **self._task_env()}
            process = spawn(spec, python, folder, env, self._forks)
        except Exception as exc:
            code = exc.code if isinstance(exc, LaunchError) else "INVALID_RUN_CONFIGURATION"
            message = str(exc) if isinstance(exc, LaunchError) else f"The task could not start: {exc}"
            self._post(run_id, task_run_id, lambda r, t, s: on_launch_failed(t, code, message, s))
            return
        self._post(run_id, task_run_id, lambda r, t, s: on_started(t, process.pid, s))
        exit_code = process.wait()
        reap_leftovers(process.pid)
        self._post(run_id, task_run_id, lambda r, t, s: on_exited(t, r, exit_code, folder, s))

    def _post(self, run_id: int, task_run_id: int, action: Callable[[JobRun, Any, Step], None]) -> None:
        def event(step: Step) -> None:
            run = self._live.get(run_id)
            task = run.current_task_run(task_run_id) if run else None
            if run is not None and task is not None:
                action(run, task, step)

        self._events.put(event)

    def _task_env(self) -> dict[str, str]:
        return {
            "DATABRICKS_HOST": self.config.url,
            "DATABRICKS_TOKEN": self.config.tokens[0],
            "LAKERUN_WORKSPACE_ROOT": str(self.paths.root),
            "LAKERUN_WAREHOUSE_ROOT": str(self.paths.root / "warehouse"),
        }

    def _fail_after_restart(self, run: JobRun) -> None:
        for task in run.processes:
            if task.pgid and not task.is_terminal and is_task_group(task.pgid):
                reap_leftovers(task.pgid)
            if not task.is_terminal:
                task.finish("INTERNAL_ERROR", None, RESTART_MESSAGE)
                task.end_time = now_ms()
        run.finish("INTERNAL_ERROR", None, RESTART_MESSAGE)
        run.end_time = now_ms()
        self._store.save(run)


def _deadlines(run: JobRun) -> list[int]:
    moments = []
    if run.life_cycle_state == "PENDING" and run.pending_until:
        moments.append(run.pending_until)
    if run.deadline and not (run.timed_out or run.cancel_requested):
        moments.append(run.deadline)
    warn_at = run.duration_warning_at
    if warn_at is not None and not run.duration_warned:
        moments.append(warn_at + 1)
    for task in run.processes:
        if task.life_cycle_state == "RUNNING" and task.deadline:
            moments.append(task.deadline)
        if task.life_cycle_state == "WAITING_FOR_RETRY" and task.retry_at is not None:
            moments.append(task.retry_at)
    return moments
