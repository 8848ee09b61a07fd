"""Repairs a workspace refused: the repair attempt is gone, and only the reason is kept for its requester."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from lakerun.store.base import Base, utcnow

KEPT_FOR = timedelta(days=1)
"""How long the reason of a refused repair can be read back by the attempt id its request was given."""


class RepairRefusalRow(Base):
    """Why the workspace refused the repair an (now removed) attempt stood for."""

    __tablename__ = "repair_refusals"

    attempt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    repair_of: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RepairRefusalRepository:
    """Recording and reading refusals of one session; old ones are pruned as new ones come."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt_id: str, repair_of: str, reason: str) -> None:
        """Keeps the reason in the caller's transaction (the one removing the attempt)."""
        self.session.execute(
            delete(RepairRefusalRow).where(RepairRefusalRow.refused_at < utcnow() - KEPT_FOR)
        )
        self.session.add(RepairRefusalRow(attempt_id=attempt_id, repair_of=repair_of, reason=reason[:2000]))

    def get(self, attempt_id: str) -> RepairRefusalRow | None:
        """The refusal of the repair the attempt id stood for, if any."""
        return self.session.get(RepairRefusalRow, attempt_id)
