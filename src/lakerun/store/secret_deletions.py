"""Callback secrets still to delete from a workspace: queued with the attempt's end, kept until deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from lakerun.store.base import Base, utcnow


class SecretDeletionRow(Base):
    """An ended attempt whose callback secret may still sit in a workspace secret scope."""

    __tablename__ = "secret_deletions"

    attempt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    not_before: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SecretDeletionRepository:
    """Queueing, listing and settling pending secret deletions of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, attempt_id: str) -> None:
        """Queues the attempt's secret for deletion in the caller's transaction (once, however often asked)."""
        if self.session.get(SecretDeletionRow, attempt_id) is None:
            self.session.add(SecretDeletionRow(attempt_id=attempt_id, not_before=utcnow(), tries=0))

    def due(self, limit: int = 100) -> list[str]:
        """Attempts whose secret deletion is due now, oldest first."""
        query = (
            select(SecretDeletionRow.attempt_id)
            .where(SecretDeletionRow.not_before <= utcnow())
            .order_by(SecretDeletionRow.not_before)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def done(self, attempt_id: str) -> None:
        """Forgets a deletion that succeeded (or had nothing to delete)."""
        self.session.execute(delete(SecretDeletionRow).where(SecretDeletionRow.attempt_id == attempt_id))

    def failed(self, attempt_id: str, retry_in: float, error: str) -> int:
        """Records a failed try, due again after `retry_in` seconds; returns how many tries failed so far."""
        self.session.execute(
            update(SecretDeletionRow)
            .where(SecretDeletionRow.attempt_id == attempt_id)
            .values(
                tries=SecretDeletionRow.tries + 1,
                not_before=utcnow() + timedelta(seconds=retry_in),
                last_error=error[:2000],
            )
        )
        tries = self.session.scalar(
            select(SecretDeletionRow.tries).where(SecretDeletionRow.attempt_id == attempt_id)
        )
        return int(tries or 0)

    def tries(self, attempt_id: str) -> int:
        """Failed tries so far of a pending deletion (0 when none is pending)."""
        tries = self.session.scalar(
            select(SecretDeletionRow.tries).where(SecretDeletionRow.attempt_id == attempt_id)
        )
        return int(tries or 0)

    def pending(self) -> int:
        """How many deletions are still pending."""
        return len(list(self.session.scalars(select(SecretDeletionRow.attempt_id))))
