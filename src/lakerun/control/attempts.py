"""Attempts: creating them with race-free numbering, and moving them forward with a recorded history."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lakerun.control.launch import STRATEGIES
from lakerun.control.limits import FIELD_LENGTHS
from lakerun.control.request_checks import (
    QUEUE_MARK,
    ConflictError,
    admit,
    check_job_settings,
    check_lengths,
    check_tasks,
    check_timeout,
)
from lakerun.control.status import Source, Status, may_move
from lakerun.control.uow import UnitOfWork
from lakerun.errors import InvalidInputError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, SubjectRow, TransitionRow, utcnow
from lakerun.store.secret_deletions import SecretDeletionRepository
from lakerun.store.subjects import SubjectRepository

EVENT_OF_STATUS = {
    Status.RUNNING: "run.started",
    Status.SUCCESS: "run.completed",
    Status.FAILED: "run.failed",
    Status.TIMEDOUT: "run.failed",
    Status.SKIPPED: "run.failed",
    Status.CANCELLED: "run.cancelled",
}


@dataclass(frozen=True)
class TriggerRequest:
    """One attempt to start: for which subject, what to run, how, and on whose behalf."""

    subject_key: str
    subject_kind: str = "default"
    workspace: str = "local"
    strategy: str = "one_time"
    job_key: str | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    job_settings: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    triggered_by: str = "api"
    idempotency_key: str | None = None
    timeout_seconds: float | None = None
    callbacks: bool | None = None
    only: list[str] = field(default_factory=list)
    """Run only these tasks of the job (run-now's `only`; a pipeline's layer); empty runs every task."""
    concurrency: str | None = None
    """allow, refuse or queue while the subject has an active attempt; None takes the settings' default."""

    def validate(self) -> None:
        """Raises InvalidInputError naming the field that is wrong."""
        if not self.subject_key:
            raise InvalidInputError("subject_key must not be empty")
        check_lengths({name: getattr(self, name) for name in FIELD_LENGTHS})
        if self.strategy not in STRATEGIES:
            raise InvalidInputError(f"strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if self.strategy == "shared_job" and not self.job_key:
            raise InvalidInputError("strategy shared_job needs job_key (a job registered with ensure_job)")
        if self.strategy != "shared_job" and not self.tasks:
            raise InvalidInputError(f"strategy {self.strategy} needs tasks (a list of Databricks task specs)")
        known = set(check_tasks(self.tasks, self.strategy))
        check_job_settings(self.job_settings)
        check_timeout(self.timeout_seconds)
        if self.only and self.strategy == "one_time":
            raise InvalidInputError(
                "only selects tasks of a job; strategy one_time runs exactly the tasks it is given"
            )
        unknown = [key for key in self.only if self.tasks and key not in known]
        if unknown:
            raise InvalidInputError(f"only names tasks that are not in tasks: {', '.join(unknown)}")

    def spec(self) -> dict[str, Any]:
        """What the launcher needs besides parameters, stored with the attempt."""
        spec: dict[str, Any] = {**self.job_settings}
        if self.tasks:
            spec["tasks"] = self.tasks
        if self.timeout_seconds:
            spec["timeout_seconds"] = int(self.timeout_seconds)
        if self.only:
            spec["only"] = list(self.only)
        return spec


def check_repeat(session: Session, existing: AttemptRow, request: TriggerRequest) -> None:
    """Raises ConflictError unless `request` asks for the same work as the attempt its idempotency key made."""
    subject = session.get(SubjectRow, existing.subject_id)
    stored = (subject.kind, subject.key) if subject else None, existing.workspace_name, existing.strategy
    asked = (request.subject_kind, request.subject_key), request.workspace, request.strategy
    same = (
        stored == asked
        and existing.job_key == request.job_key
        and {k: v for k, v in existing.spec.items() if k != QUEUE_MARK} == request.spec()
        and existing.parameters == dict(request.parameters)
    )
    if not same:
        raise ConflictError(
            f"idempotency key {request.idempotency_key!r} was already used for attempt {existing.id} "
            "with another subject or body"
        )


def create_attempt(
    uow: UnitOfWork,
    request: TriggerRequest,
    deadline: datetime,
    callbacks: bool,
    policy: str = "allow",
    **links: str | None,
) -> tuple[AttemptRow, bool]:
    """Commits-to-be a CREATING attempt; returns (attempt, created) — an idempotent repeat returns the first.

    `policy` (allow, refuse, queue) says what to do while the subject has an active attempt; a queued
    attempt stays CREATING, marked in its spec, until the earlier ones have ended.
    """
    repo = AttemptRepository(uow.session)
    if request.idempotency_key:
        existing = repo.by_idempotency_key(request.idempotency_key)
        if existing is not None:
            check_repeat(uow.session, existing, request)
            return existing, False
    subjects = SubjectRepository(uow.session)
    subject = subjects.get_or_create(request.subject_kind, request.subject_key)
    attempt_id, now = str(uuid.uuid4()), utcnow()
    number = subjects.next_attempt_number(subject, now, attempt_id)
    ahead = admit(repo, subject, policy)
    spec = {**request.spec(), QUEUE_MARK: "queue"} if ahead is not None else request.spec()
    attempt = AttemptRow(
        id=attempt_id,
        subject_id=subject.id,
        attempt_number=number,
        workspace_name=request.workspace,
        strategy=request.strategy,
        job_key=request.job_key,
        spec=spec,
        parameters=dict(request.parameters),
        triggered_by=request.triggered_by,
        idempotency_key=request.idempotency_key,
        callbacks=callbacks,
        status=Status.CREATING.value,
        created_at=now,
        deadline_at=deadline,
        last_sequence=0,
        **links,
    )
    uow.session.add(attempt)
    uow.session.add(
        TransitionRow(
            attempt_id=attempt_id,
            to_status=Status.CREATING.value,
            source=Source.API.value,
            reason="triggered by " + request.triggered_by,
            at=now,
        )
    )
    if ahead is not None:
        attempt.status_message = f"queued behind attempt #{ahead.attempt_number} of the subject"
    uow.session.flush()
    publish(uow, "run.created", attempt, subject)
    return attempt, True


def move(
    uow: UnitOfWork,
    attempt: AttemptRow,
    target: Status,
    source: Source,
    *,
    reason: str | None = None,
    raw_state: str | None = None,
    error: str | None = None,
) -> bool:
    """Moves the attempt to `target` if that goes forward, as a compare-and-set on its stored status.

    Records the transition and its event only when this writer won; False (nothing emitted) when the
    move goes backward or another writer changed the status first.
    """
    if raw_state:
        attempt.raw_state = raw_state
    repo = AttemptRepository(uow.session)
    current = Status(attempt.status)
    while may_move(current, target):
        now = utcnow()
        values = _moved_values(current, target, now, reason, error)
        if repo.swap_status(attempt.id, current.value, values):
            uow.session.refresh(attempt, attribute_names=list(values))
            _record(uow, attempt, current, target, source=source, reason=reason, raw_state=raw_state, now=now)
            return True
        current = Status(repo.status_of(attempt.id) or current)
        set_committed_value(attempt, "status", current.value)
    return False


def _moved_values(
    current: Status, target: Status, now: datetime, reason: str | None, error: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {"status": target.value}
    if reason:
        values["status_message"] = reason
    if target == Status.RUNNING or (target.terminal and current == Status.RUNNING):
        values["started_at"] = func.coalesce(AttemptRow.started_at, now)
    if target.terminal:
        values["finished_at"] = now
        if error:
            values["error"] = error
        if target == Status.SUCCESS:
            values["progress"] = 1.0
    return values


def _record(
    uow: UnitOfWork,
    attempt: AttemptRow,
    current: Status,
    target: Status,
    *,
    source: Source,
    reason: str | None,
    raw_state: str | None,
    now: datetime,
) -> None:
    """The won move's history row, subject counter and event, in the same transaction."""
    if target == Status.SUCCESS:
        SubjectRepository(uow.session).count_success(attempt.subject_id)
    if target.terminal and attempt.callbacks:
        SecretDeletionRepository(uow.session).queue(attempt.id)
    uow.session.add(
        TransitionRow(
            attempt_id=attempt.id,
            from_status=current.value,
            to_status=target.value,
            source=source.value,
            reason=reason,
            raw_state=raw_state,
            at=now,
        )
    )
    subject = uow.session.get(SubjectRow, attempt.subject_id)
    if target in EVENT_OF_STATUS:
        publish(uow, EVENT_OF_STATUS[target], attempt, subject)


def publish(
    uow: UnitOfWork, event_type: str, attempt: AttemptRow, subject: SubjectRow | None, **extra: Any
) -> None:
    """Publishes an attempt event carrying what a live view needs."""
    payload = event_payload(uow, attempt, subject)
    payload.update(extra)
    uow.publish(
        event_type,
        payload,
        attempt_id=attempt.id,
        subject_kind=subject.kind if subject else None,
        subject_key=subject.key if subject else None,
        job_key=attempt.job_key,
    )


def event_payload(uow: UnitOfWork, attempt: AttemptRow, subject: SubjectRow | None) -> dict[str, Any]:
    """The attempt's live fields: ids, state, progress, durations and an estimate of the time remaining."""
    duration = None
    if attempt.started_at:
        duration = ((attempt.finished_at or utcnow()) - attempt.started_at).total_seconds()
    return {
        "attempt_id": attempt.id,
        "attempt_number": attempt.attempt_number,
        "subject": {"kind": subject.kind, "key": subject.key} if subject else None,
        "job_key": attempt.job_key,
        "run_id": attempt.run_id,
        "run_url": attempt.run_page_url,
        "state": attempt.status,
        "raw_state": attempt.raw_state,
        "progress": attempt.progress,
        "duration_seconds": duration,
        "eta_seconds": estimate_remaining(uow, attempt, duration),
        "error": attempt.error,
    }


def estimate_remaining(uow: UnitOfWork, attempt: AttemptRow, elapsed: float | None) -> float | None:
    """Median past duration of the subject's successful attempts minus the time already spent."""
    if Status(attempt.status).terminal or elapsed is None:
        return None
    past = AttemptRepository(uow.session).durations_of_subject(attempt.subject_id)
    if not past:
        return None
    return max(0.0, statistics.median(past) - elapsed)
