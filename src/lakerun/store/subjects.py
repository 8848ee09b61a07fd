"""Queries on subjects: find-or-create by (kind, key), atomic attempt numbering, counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lakerun.store.inserts import insert_once
from lakerun.store.models import SubjectRow


class SubjectRepository:
    """Subjects of one session; concurrent creators of the same subject end up with one row."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, kind: str, key: str) -> SubjectRow | None:
        """The subject with this kind and key, if it exists."""
        return self.session.scalars(
            select(SubjectRow).where(SubjectRow.kind == kind, SubjectRow.key == key)
        ).one_or_none()

    def get_or_create(self, kind: str, key: str) -> SubjectRow:
        """The subject row; a concurrent insert of the same key is absorbed by `ON CONFLICT DO NOTHING`."""
        found = self.find(kind, key)
        if found is None:
            values = {"kind": kind, "key": key, "total_attempts": 0, "successful_attempts": 0}
            insert_once(self.session, SubjectRow, values)
            found = self.find(kind, key)
        if found is None:
            raise LookupError(f"subject {kind}/{key} could neither be inserted nor found")
        return found

    def next_attempt_number(self, subject: SubjectRow, at: datetime, attempt_id: str) -> int:
        """Atomically counts a new attempt and returns its number (1, 2, ...), race-free across processes;
        one statement, so a trigger holds the subject row (and SQLite's write lock) as briefly as it can.
        """
        number, first = self.session.execute(
            update(SubjectRow)
            .where(SubjectRow.id == subject.id)
            .values(
                total_attempts=SubjectRow.total_attempts + 1,
                first_attempt_at=func.coalesce(SubjectRow.first_attempt_at, at),
                last_attempt_at=at,
                current_attempt_id=attempt_id,
            )
            .returning(SubjectRow.total_attempts, SubjectRow.first_attempt_at)
            .execution_options(synchronize_session=False)
        ).one()
        for name, value in (
            ("total_attempts", number),
            ("first_attempt_at", first),
            ("last_attempt_at", at),
            ("current_attempt_id", attempt_id),
        ):
            set_committed_value(subject, name, value)
        return int(number)

    def count_success(self, subject_id: int) -> None:
        """Adds one to the subject's successful attempts."""
        self.session.execute(
            update(SubjectRow)
            .where(SubjectRow.id == subject_id)
            .values(successful_attempts=SubjectRow.successful_attempts + 1)
        )

    def list(
        self, kind: str | None, limit: int, offset: int, search: str | None = None
    ) -> tuple[list[SubjectRow], int]:
        """One page of subjects, most recently attempted first, and how many match in all.

        `search` matches part of the key, case-insensitively (LIKE wildcards in it are taken literally).
        """
        conditions = []
        if kind:
            conditions.append(SubjectRow.kind == kind)
        if search:
            escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(func.lower(SubjectRow.key).like(f"%{escaped}%", escape="\\"))
        query = select(SubjectRow).where(*conditions)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ordered = query.order_by(SubjectRow.last_attempt_at.desc(), SubjectRow.id)
        return list(self.session.scalars(ordered.limit(limit).offset(offset))), int(total)
