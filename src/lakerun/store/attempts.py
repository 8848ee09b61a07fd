"""Queries on attempts, their transitions and task runs, including the filtered, paged runs list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session, load_only

from lakerun.store.db import lock_for_write
from lakerun.store.intents import LaunchIntentRow
from lakerun.store.models import AttemptRow, CallbackEventRow, SubjectRow, TaskRunRow, TransitionRow


@dataclass(frozen=True)
class AttemptFilter:
    """What the runs list may be narrowed by; every field is optional."""

    statuses: Sequence[str] = ()
    subject_kind: str | None = None
    subject_key: str | None = None
    job_key: str | None = None
    workspace: str | None = None
    triggered_by: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


class AttemptRepository:
    """Attempts of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, attempt_id: str, *, lock: bool = False) -> AttemptRow | None:
        """The attempt, optionally locked for update (row lock on PostgreSQL, write lock on SQLite) and re-read."""
        query = select(AttemptRow).where(AttemptRow.id == attempt_id)
        if lock:
            lock_for_write(self.session)
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).one_or_none()

    def swap_status(self, attempt_id: str, expected: str, values: dict[str, Any]) -> bool:
        """Compare-and-set: writes `values` only if the attempt's status is still `expected`; False if it lost."""
        result = self.session.execute(
            update(AttemptRow)
            .where(AttemptRow.id == attempt_id, AttemptRow.status == expected)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def discard(self, attempt: AttemptRow) -> None:
        """Removes an attempt that never stood for work (a refused repair) with its history and intent; the
        subject's counters and current attempt go back to what they were when it was its latest attempt.
        """
        for table in (TransitionRow, TaskRunRow, CallbackEventRow, LaunchIntentRow):
            self.session.execute(delete(table).where(table.attempt_id == attempt.id))
        self.session.delete(attempt)
        self.session.flush()
        latest = self.session.scalars(
            select(AttemptRow)
            .where(AttemptRow.subject_id == attempt.subject_id)
            .order_by(AttemptRow.attempt_number.desc())
        ).first()
        self.session.execute(
            update(SubjectRow)
            .where(SubjectRow.id == attempt.subject_id, SubjectRow.total_attempts == attempt.attempt_number)
            .values(
                total_attempts=latest.attempt_number if latest else 0,
                current_attempt_id=latest.id if latest else None,
                last_attempt_at=latest.created_at if latest else None,
            )
            .execution_options(synchronize_session=False)
        )

    def status_of(self, attempt_id: str) -> str | None:
        """The attempt's status as committed now (after a lost compare-and-set)."""
        return self.session.scalar(select(AttemptRow.status).where(AttemptRow.id == attempt_id))

    def by_idempotency_key(self, key: str) -> AttemptRow | None:
        """The attempt a client already triggered with this idempotency key."""
        return self.session.scalars(select(AttemptRow).where(AttemptRow.idempotency_key == key)).one_or_none()

    def active(self, statuses: Sequence[str], workspace: str | None = None) -> list[AttemptRow]:
        """Attempts in one of `statuses`, oldest first."""
        query = select(AttemptRow).where(AttemptRow.status.in_(statuses)).order_by(AttemptRow.created_at)
        if workspace:
            query = query.where(AttemptRow.workspace_name == workspace)
        return list(self.session.scalars(query))

    def tracked(self, statuses: Sequence[str]) -> list[AttemptRow]:
        """Attempts in one of `statuses` with only what the reconciler compares loaded (no spec, result or error),
        oldest first: a pass reads every active attempt, so it reads them light."""
        columns = (
            AttemptRow.id, AttemptRow.workspace_name, AttemptRow.status, AttemptRow.raw_state,
            AttemptRow.run_id, AttemptRow.run_page_url, AttemptRow.deadline_at, AttemptRow.started_at,
            AttemptRow.last_callback_at, AttemptRow.last_polled_at,
        )  # fmt: skip
        query = select(AttemptRow).options(load_only(*columns)).where(AttemptRow.status.in_(statuses))
        return list(self.session.scalars(query.order_by(AttemptRow.created_at)))

    def unlaunched(self, statuses: Sequence[str]) -> list[AttemptRow]:
        """Attempts in one of `statuses` with no run recorded yet: a few rows, however many runs are active."""
        query = select(AttemptRow).where(AttemptRow.status.in_(statuses), AttemptRow.run_id.is_(None))
        return list(self.session.scalars(query.order_by(AttemptRow.created_at)))

    def page(self, where: AttemptFilter, limit: int, offset: int) -> tuple[list[AttemptRow], int]:
        """One page of attempts, newest first, and the total count matching the filter."""
        query = self._filtered(select(AttemptRow), where)
        total = self.session.scalar(self._filtered(select(func.count(AttemptRow.id)), where)) or 0
        rows = self.session.scalars(
            query.order_by(AttemptRow.created_at.desc(), AttemptRow.id).limit(limit).offset(offset)
        )
        return list(rows), int(total)

    def _filtered(self, query: Select[Any], where: AttemptFilter) -> Select[Any]:
        if where.subject_kind or where.subject_key:
            query = query.join(SubjectRow, SubjectRow.id == AttemptRow.subject_id)
            if where.subject_kind:
                query = query.where(SubjectRow.kind == where.subject_kind)
            if where.subject_key:
                query = query.where(SubjectRow.key == where.subject_key)
        conditions = [
            AttemptRow.status.in_(where.statuses) if where.statuses else None,
            AttemptRow.job_key == where.job_key if where.job_key else None,
            AttemptRow.workspace_name == where.workspace if where.workspace else None,
            AttemptRow.triggered_by == where.triggered_by if where.triggered_by else None,
            AttemptRow.created_at >= where.created_after if where.created_after else None,
            AttemptRow.created_at < where.created_before if where.created_before else None,
        ]
        return query.where(*[c for c in conditions if c is not None])

    def of_subject(self, subject_id: int) -> list[AttemptRow]:
        """All attempts of a subject, newest first."""
        return list(
            self.session.scalars(
                select(AttemptRow)
                .where(AttemptRow.subject_id == subject_id)
                .order_by(AttemptRow.attempt_number.desc())
            )
        )

    def first_active_of_subject(
        self, subject_id: int, statuses: Sequence[str], before_number: int | None = None
    ) -> AttemptRow | None:
        """The subject's oldest attempt in one of `statuses` (numbered below `before_number` when given)."""
        query = select(AttemptRow).where(AttemptRow.subject_id == subject_id, AttemptRow.status.in_(statuses))
        if before_number is not None:
            query = query.where(AttemptRow.attempt_number < before_number)
        return self.session.scalars(query.order_by(AttemptRow.attempt_number).limit(1)).first()

    def durations_of_subject(self, subject_id: int, limit: int = 20) -> list[float]:
        """Seconds taken by the subject's latest successful attempts, for time-remaining estimates."""
        rows = self.session.execute(
            select(AttemptRow.started_at, AttemptRow.finished_at)
            .where(AttemptRow.subject_id == subject_id, AttemptRow.status == "SUCCESS")
            .where(AttemptRow.started_at.is_not(None), AttemptRow.finished_at.is_not(None))
            .order_by(AttemptRow.finished_at.desc())
            .limit(limit)
        )
        return [(end - start).total_seconds() for start, end in rows if start and end]

    def transitions(self, attempt_id: str) -> list[TransitionRow]:
        """The attempt's status history in order."""
        return list(
            self.session.scalars(
                select(TransitionRow).where(TransitionRow.attempt_id == attempt_id).order_by(TransitionRow.id)
            )
        )

    def tasks(self, attempt_id: str) -> list[TaskRunRow]:
        """The attempt's task runs by task key."""
        return list(
            self.session.scalars(
                select(TaskRunRow).where(TaskRunRow.attempt_id == attempt_id).order_by(TaskRunRow.task_key)
            )
        )

    def task(self, attempt_id: str, task_key: str) -> TaskRunRow | None:
        """One task run of the attempt."""
        return self.session.scalars(
            select(TaskRunRow).where(TaskRunRow.attempt_id == attempt_id, TaskRunRow.task_key == task_key)
        ).one_or_none()
