"""The records of job runs and task runs, and their rendering in the Jobs API's `Run` shape."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class LifeCycleState(StrEnum):
    """`state.life_cycle_state` of a run or task run, spelled as the Jobs API spells it."""

    QUEUED = "QUEUED"
    PENDING = "PENDING"
    BLOCKED = "BLOCKED"
    RUNNING = "RUNNING"
    WAITING_FOR_RETRY = "WAITING_FOR_RETRY"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"
    SKIPPED = "SKIPPED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class ResultState(StrEnum):
    """`state.result_state` of a finished run or task run, spelled as the Jobs API spells it."""

    SUCCESS = "SUCCESS"
    SUCCESS_WITH_FAILURES = "SUCCESS_WITH_FAILURES"
    FAILED = "FAILED"
    TIMEDOUT = "TIMEDOUT"
    CANCELED = "CANCELED"
    UPSTREAM_FAILED = "UPSTREAM_FAILED"
    UPSTREAM_CANCELED = "UPSTREAM_CANCELED"
    EXCLUDED = "EXCLUDED"
    DISABLED = "DISABLED"
    MAXIMUM_CONCURRENT_RUNS_REACHED = "MAXIMUM_CONCURRENT_RUNS_REACHED"


L, R = LifeCycleState, ResultState
TERMINAL_STATES = frozenset({L.TERMINATED, L.SKIPPED, L.INTERNAL_ERROR})
ACTIVE_STATES = frozenset({L.QUEUED, L.PENDING, L.RUNNING, L.TERMINATING, L.BLOCKED, L.WAITING_FOR_RETRY})
FAILED_RESULTS = frozenset({R.FAILED, R.TIMEDOUT, R.CANCELED, R.UPSTREAM_FAILED, R.UPSTREAM_CANCELED})
GOOD_RESULTS = frozenset({R.SUCCESS, R.SUCCESS_WITH_FAILURES, R.EXCLUDED, R.DISABLED})

# result_state -> (termination code, termination type) of the newer `status` field.
TERMINATIONS: dict[str, tuple[str, str]] = {
    "SUCCESS": ("SUCCESS", "SUCCESS"),
    "SUCCESS_WITH_FAILURES": ("SUCCESS_WITH_FAILURES", "SUCCESS"),
    "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "TIMEDOUT": ("CANCELED", "CLIENT_ERROR"),
    "CANCELED": ("USER_CANCELED", "SUCCESS"),
    "UPSTREAM_FAILED": ("SKIPPED", "CLIENT_ERROR"),
    "UPSTREAM_CANCELED": ("SKIPPED", "CLIENT_ERROR"),
    "EXCLUDED": ("SKIPPED", "SUCCESS"),
    "DISABLED": ("DISABLED", "SUCCESS"),
    "MAXIMUM_CONCURRENT_RUNS_REACHED": ("MAX_CONCURRENT_RUNS_EXCEEDED", "CLIENT_ERROR"),
}
# Legacy life-cycle state -> the newer `status.state`.
STATUS_STATES = {"WAITING_FOR_RETRY": "WAITING", "SKIPPED": "TERMINATED", "INTERNAL_ERROR": "TERMINATED"}


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds, the unit of every time field of the Jobs API."""
    return int(time.time() * 1000)


@dataclass
class Lifecycle:
    """The state fields shared by job runs and task runs."""

    life_cycle_state: LifeCycleState = LifeCycleState.PENDING
    result_state: ResultState | None = None
    state_message: str = ""
    termination_code: str | None = None
    user_cancelled_or_timedout: bool = False
    queue_code: str | None = None

    def __post_init__(self) -> None:
        self.life_cycle_state = LifeCycleState(self.life_cycle_state)
        if self.result_state is not None:
            self.result_state = ResultState(self.result_state)

    @property
    def is_terminal(self) -> bool:
        """True once the state can no longer change (until a repair)."""
        return self.life_cycle_state in TERMINAL_STATES

    def finish(self, life_cycle_state: str, result_state: str | None, message: str) -> None:
        """Moves to a terminal state with its result and a human-readable message."""
        self.life_cycle_state = LifeCycleState(life_cycle_state)
        self.result_state = ResultState(result_state) if result_state is not None else None
        self.state_message = message

    def reopen(self, life_cycle_state: str) -> None:
        """Clears a terminal outcome so the record can run again (repairs)."""
        self.life_cycle_state = LifeCycleState(life_cycle_state)
        self.result_state = None
        self.state_message = ""
        self.termination_code = None
        self.user_cancelled_or_timedout = False

    def state_dict(self) -> dict[str, Any]:
        """The legacy (deprecated but still read by the SDK's waiter) `state` object."""
        state: dict[str, Any] = {
            "life_cycle_state": self.life_cycle_state,
            "state_message": self.state_message,
            "user_cancelled_or_timedout": self.user_cancelled_or_timedout,
        }
        if self.result_state:
            state["result_state"] = self.result_state
        if self.queue_code and self.life_cycle_state == "QUEUED":
            state["queue_reason"] = self.state_message
        return state

    def status_dict(self) -> dict[str, Any]:
        """The newer `status` object, with `termination_details` once the record is terminal."""
        status: dict[str, Any] = {"state": STATUS_STATES.get(self.life_cycle_state, self.life_cycle_state)}
        if self.life_cycle_state == "QUEUED" and self.queue_code:
            status["queue_details"] = {"code": self.queue_code, "message": self.state_message}
        if self.is_terminal:
            status["termination_details"] = self._termination()
        return status

    def _termination(self) -> dict[str, Any]:
        if self.life_cycle_state == "INTERNAL_ERROR":
            code, kind = "INTERNAL_ERROR", "INTERNAL_ERROR"
        else:
            code, kind = TERMINATIONS.get(self.result_state or "", ("INTERNAL_ERROR", "INTERNAL_ERROR"))
        return {"code": self.termination_code or code, "type": kind, "message": self.state_message}


@dataclass
class TaskRun(Lifecycle):
    """One task of a job run: its settings as run, its current attempt and timings."""

    task_key: str = ""
    run_id: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    attempt_number: int = 0
    original_attempt_run_id: int = 0
    start_time: int = 0
    end_time: int = 0
    launch_time: int = 0
    exec_start_time: int = 0
    pgid: int | None = None
    retry_at: int | None = None
    deadline: int | None = None
    exit_code: int | None = None
    kill_reason: str | None = None
    outcome: str | None = None
    child_run_id: int | None = None
    parent_task_run_id: int | None = None
    """For an iteration of a for_each_task: the for-each task run it belongs to."""
    iteration_input: str | None = None

    @property
    def depends_on(self) -> list[str]:
        """Keys of the tasks this one waits for."""
        return [dep["task_key"] for dep in self.settings.get("depends_on", [])]

    @property
    def run_if(self) -> str:
        """The condition on upstream outcomes under which this task runs."""
        return str(self.settings.get("run_if") or "ALL_SUCCESS")

    def to_api(self, run_page_url: str) -> dict[str, Any]:
        """The task's entry in `tasks[]` of runs/get."""
        end = self.end_time
        execution = end - self.exec_start_time if self.exec_start_time and end else 0
        setup = self.exec_start_time - self.launch_time if self.launch_time and self.exec_start_time else 0
        payload = dict(self.settings)
        payload.update(
            {
                "task_key": self.task_key,
                "run_id": self.run_id,
                "attempt_number": self.attempt_number,
                "state": self.state_dict(),
                "status": self.status_dict(),
                "start_time": self.start_time,
                "end_time": end,
                "setup_duration": max(setup, 0),
                "execution_duration": max(execution, 0),
                "cleanup_duration": 0,
                "run_duration": (end - self.start_time) if end and self.start_time else 0,
                "queue_duration": 0,
                "run_page_url": run_page_url,
            }
        )
        if self.attempt_number:
            payload["original_attempt_run_id"] = self.original_attempt_run_id
        cluster_id = self.settings.get("existing_cluster_id")
        if cluster_id:
            payload["cluster_instance"] = {"cluster_id": cluster_id}
        return payload


@dataclass
class JobRun(Lifecycle):
    """A run of a job (run-now) or a one-time run (runs/submit), with its task runs."""

    run_id: int = 0
    job_id: int | None = None
    run_name: str = ""
    run_type: str = "JOB_RUN"
    trigger: str = "ONE_TIME"
    single_task: bool = False
    creator_user_name: str = "local-user"
    settings: dict[str, Any] = field(default_factory=dict)
    tasks: list[TaskRun] = field(default_factory=list)
    job_parameters: list[dict[str, Any]] = field(default_factory=list)
    overriding_parameters: dict[str, Any] = field(default_factory=dict)
    idempotency_token: str | None = None
    submit_job_id: int | None = None
    """For a runs/submit run: the id of the one-time job Databricks reports as its `job_id`."""
    start_time: int = 0
    end_time: int = 0
    queued_time: int = 0
    queue_duration: int = 0
    pending_until: int | None = None
    deadline: int | None = None
    cancel_requested: bool = False
    repair_history: list[dict[str, Any]] = field(default_factory=list)
    past_attempts: list[TaskRun] = field(default_factory=list)
    iterations: list[TaskRun] = field(default_factory=list)
    timed_out: bool = False
    duration_warned: bool = False

    @property
    def duration_warning_at(self) -> int | None:
        """When the run passes its `health` rule `RUN_DURATION_SECONDS > value` (epoch ms), if it has one."""
        for rule in (self.settings.get("health") or {}).get("rules") or []:
            if rule.get("metric") == "RUN_DURATION_SECONDS" and rule.get("op") == "GREATER_THAN":
                return self.start_time + self.queue_duration + int(rule.get("value") or 0) * 1000
        return None

    def task(self, task_key: str) -> TaskRun:
        """The task run of a task key (KeyError if the run has no such task)."""
        for task in self.tasks:
            if task.task_key == task_key:
                return task
        raise KeyError(task_key)

    @property
    def queue_enabled(self) -> bool:
        """Whether this run waits in QUEUED when the job is at its concurrency limit."""
        return bool((self.settings.get("queue") or {}).get("enabled"))

    def to_json(self) -> dict[str, Any]:
        """The record as stored in the state database, for `json.dumps` only: a shallow view whose
        nested values are the record's own (`asdict`'s deep copy cost ~8x more, on every scheduler turn)."""
        document = dict(vars(self))
        for name in ("tasks", "past_attempts", "iterations"):
            document[name] = [vars(task) for task in getattr(self, name)]
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobRun:
        """A record read back from the state database."""
        tasks = [TaskRun(**task) for task in data.get("tasks", [])]
        past = [TaskRun(**task) for task in data.get("past_attempts", [])]
        iterations = [TaskRun(**task) for task in data.get("iterations", [])]
        return cls(**{**data, "tasks": tasks, "past_attempts": past, "iterations": iterations})

    @property
    def processes(self) -> list[TaskRun]:
        """Every current task run that may hold a process: the tasks and for-each iterations."""
        return [*self.tasks, *self.iterations]

    def iterations_of(self, task: TaskRun) -> list[TaskRun]:
        """The iterations of a for-each task run, in input order."""
        return [it for it in self.iterations if it.parent_task_run_id == task.run_id]

    def current_task_run(self, task_run_id: int) -> TaskRun | None:
        """The current attempt with this task run id, if it is one."""
        return next((task for task in self.processes if task.run_id == task_run_id), None)

    def find_task_run(self, task_run_id: int) -> TaskRun | None:
        """A task run of this run by its id: a finished past attempt first, else a current one."""
        for task in [*self.past_attempts, *self.processes]:
            if task.run_id == task_run_id:
                return task
        return None

    def to_api(self, base_url: str) -> dict[str, Any]:
        """The `Run` object of runs/get and runs/list."""
        url = run_page_url(base_url, self.job_id, self.run_id)
        end = self.end_time
        duration = (end - self.start_time - self.queue_duration) if end else 0
        payload: dict[str, Any] = {
            "run_id": self.run_id,
            "number_in_job": self.run_id,
            "run_name": self.run_name,
            "run_type": self.run_type,
            "trigger": self.trigger,
            "creator_user_name": self.creator_user_name,
            "state": self.state_dict(),
            "status": self.status_dict(),
            "start_time": self.start_time,
            "end_time": end,
            "queue_duration": self.queue_duration,
            "run_duration": max(duration, 0),
            "run_page_url": url,
            "format": "SINGLE_TASK" if self.single_task else "MULTI_TASK",
            "tasks": [self._task_api(task, url) for task in self.tasks],
            "job_parameters": self.job_parameters,
            "overriding_parameters": self.overriding_parameters,
            "attempt_number": 0,
        }
        payload.update(self._durations())
        job_id = self.job_id if self.job_id is not None else self.submit_job_id
        if job_id is not None:
            payload["job_id"] = job_id
        payload["repair_history"] = self.repair_history or [
            self.history_item("ORIGINAL", None, (self.start_time, end))
        ]
        return payload

    def history_item(
        self, kind: str, repair_id: int | None, span: tuple[int, int], ids: list[int] | None = None
    ) -> dict[str, Any]:
        """An entry of `repair_history`: the original run (`ORIGINAL`) or one repair (`REPAIR`, with its id)."""
        item: dict[str, Any] = {
            "type": kind,
            "start_time": span[0],
            "end_time": span[1],
            "state": self.state_dict(),
            "status": self.status_dict(),
            "task_run_ids": ids if ids is not None else [task.run_id for task in self.tasks],
        }
        if repair_id is not None:
            item["id"] = repair_id
        return item

    def _task_api(self, task: TaskRun, url: str) -> dict[str, Any]:
        payload = task.to_api(url)
        if "for_each_task" in payload:
            payload["for_each_task"] = {
                **payload["for_each_task"],
                "stats": {"task_run_stats": self._stats(task)},
            }
        return payload

    def _stats(self, task: TaskRun) -> dict[str, int]:
        iterations = self.iterations_of(task)
        done = [it for it in iterations if it.is_terminal]
        return {
            "total_iterations": len(iterations),
            "scheduled_iterations": len(iterations),
            "active_iterations": len(
                [it for it in iterations if not it.is_terminal and it.life_cycle_state != "QUEUED"]
            ),
            "completed_iterations": len(done),
            "succeeded_iterations": len([it for it in done if it.result_state == "SUCCESS"]),
            "failed_iterations": len([it for it in done if it.result_state != "SUCCESS"]),
        }

    def _durations(self) -> dict[str, int]:
        if self.single_task and self.tasks:
            task = self.tasks[0].to_api("")
            return {key: task[key] for key in ("setup_duration", "execution_duration", "cleanup_duration")}
        return {"setup_duration": 0, "execution_duration": 0, "cleanup_duration": 0}


def run_page_url(base_url: str, job_id: int | None, run_id: int) -> str:
    """The local page that shows a run (what Databricks' `run_page_url` links to)."""
    if job_id is None:
        return f"{base_url}/runs/{run_id}"
    return f"{base_url}/jobs/{job_id}/runs/{run_id}"
