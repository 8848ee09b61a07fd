"""Request and response shapes of the runs API; light on import (pydantic only), so `lakerun.client` shares them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lakerun.control.limits import FIELD_LENGTHS, MAX_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from lakerun.control.attempts import TriggerRequest
    from lakerun.control.records import Attempt, Subject, SubjectName, TaskRun, Transition


class TriggerBody(BaseModel):
    """Start one attempt of a subject's work."""

    model_config = ConfigDict(extra="forbid")
    subject_key: str = Field(
        min_length=1,
        max_length=FIELD_LENGTHS["subject_key"],
        description="What the attempt is for: a flow id, a table group, a layer.",
    )
    subject_kind: str = Field(
        "default",
        min_length=1,
        max_length=FIELD_LENGTHS["subject_kind"],
        description="The kind of subject, e.g. `flow`, `table_group`.",
    )
    workspace: str = Field(
        "local", max_length=FIELD_LENGTHS["workspace"], description="Registered workspace to run in."
    )
    strategy: Literal["shared_job", "job_per_attempt", "one_time"] = "one_time"
    job_key: str | None = Field(
        None,
        max_length=FIELD_LENGTHS["job_key"],
        description="Registry key of the job (strategy shared_job).",
    )
    tasks: list[dict[str, Any]] = Field(default_factory=list, description="Databricks task specs.")
    job_settings: dict[str, Any] = Field(
        default_factory=dict, description="Other job settings (job_per_attempt)."
    )
    parameters: dict[str, str] = Field(default_factory=dict, description="Job parameters or task arguments.")
    idempotency_key: str | None = Field(None, max_length=200, description="Same key, same attempt.")
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        le=MAX_TIMEOUT_SECONDS,
        allow_inf_nan=False,
        description="Deadline from now; the run is cancelled after.",
    )
    callbacks: bool | None = Field(None, description="Give the task a signed callback URL (default: on).")
    only: list[str] = Field(
        default_factory=list, description="Run only these task keys of the job (shared_job, job_per_attempt)."
    )
    triggered_by: str = Field("api", max_length=FIELD_LENGTHS["triggered_by"])
    concurrency: Literal["allow", "refuse", "queue"] | None = Field(
        None,
        description="While the subject has an active attempt: start another (allow), answer 409 (refuse), "
        "or store this one and launch it once the earlier end (queue). Default: the server's setting.",
    )

    def to_request(self) -> TriggerRequest:
        """The domain request."""
        from lakerun.control.attempts import TriggerRequest

        return TriggerRequest(**self.model_dump())


class BulkTriggerBody(BaseModel):
    """Start many subjects at once, each its own attempt."""

    model_config = ConfigDict(extra="forbid")
    items: list[TriggerBody] = Field(min_length=1, max_length=500)


class RetryBody(BaseModel):
    """Options of a retry."""

    model_config = ConfigDict(extra="forbid")
    concurrent: bool = Field(
        False, description="Start the new attempt even while the retried one is still active."
    )


class RepairBody(BaseModel):
    """Which tasks to re-run; all failed ones when empty."""

    model_config = ConfigDict(extra="forbid")
    tasks: list[str] | None = None


class SubjectOut(BaseModel):
    """A subject and its counters."""

    kind: str
    key: str
    total_attempts: int
    successful_attempts: int
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    current_attempt_id: str | None

    @classmethod
    def of(cls, row: Subject) -> SubjectOut:
        """From a row."""
        return cls.model_validate(row, from_attributes=True)


class AttemptOut(BaseModel):
    """One attempt as lists and live views show it."""

    id: str
    attempt_number: int
    subject: dict[str, str]
    workspace: str
    strategy: str
    job_key: str | None
    status: str
    raw_state: str | None
    status_message: str | None
    error: str | None
    progress: float | None
    result: dict[str, Any] | None
    job_id: int | None
    run_id: int | None
    run_url: str | None
    triggered_by: str
    retry_of: str | None
    repair_of: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None

    @classmethod
    def of(cls, row: Attempt, subject: SubjectName) -> AttemptOut:
        """From an attempt row and its subject."""
        duration = (
            (row.finished_at - row.started_at).total_seconds() if row.finished_at and row.started_at else None
        )
        return cls(
            id=row.id,
            attempt_number=row.attempt_number,
            subject={"kind": subject.kind, "key": subject.key},
            workspace=row.workspace_name,
            strategy=row.strategy,
            job_key=row.job_key,
            status=row.status,
            raw_state=row.raw_state,
            status_message=row.status_message,
            error=row.error,
            progress=row.progress,
            result=row.result,
            job_id=row.job_id,
            run_id=row.run_id,
            run_url=row.run_page_url,
            triggered_by=row.triggered_by,
            retry_of=row.retry_of,
            repair_of=row.repair_of,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_seconds=duration,
        )


class TaskOut(BaseModel):
    """One task run of an attempt."""

    model_config = ConfigDict(from_attributes=True)
    task_key: str
    run_id: int | None
    status: str
    raw_state: str | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: TaskRun) -> TaskOut:
        """From a row."""
        return cls.model_validate(row)


class TransitionOut(BaseModel):
    """One recorded status change."""

    model_config = ConfigDict(from_attributes=True)
    from_status: str | None
    to_status: str
    source: str
    reason: str | None
    raw_state: str | None
    at: datetime

    @classmethod
    def of(cls, row: Transition) -> TransitionOut:
        """From a row."""
        return cls.model_validate(row)


class AttemptDetailOut(AttemptOut):
    """An attempt with its tasks, its transitions and the logs, metrics and results its tasks sent."""

    tasks: list[TaskOut]
    transitions: list[TransitionOut]
    events: list[dict[str, Any]]


class AttemptPage(BaseModel):
    """One page of the runs list."""

    items: list[AttemptOut]
    total: int
    limit: int
    offset: int


class BulkItemOut(BaseModel):
    """The outcome of one item of a bulk trigger."""

    attempt: AttemptOut | None = None
    error: str | None = None


class SubjectHistoryOut(BaseModel):
    """A subject's counters and every attempt, newest first (seed 004's flow history, generalised)."""

    subject: SubjectOut
    attempts: list[AttemptOut]
