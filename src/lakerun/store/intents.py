"""The launch outbox: intents committed with their attempt, claimed by launchers under a renewable lease."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from lakerun.store.base import Base, utcnow


class LaunchIntentRow(Base):
    """An attempt whose run must still be started (or re-found) in its workspace, deleted once recorded;
    or (kind `cancel`) whose run was recorded after the attempt was stopped and must still be cancelled.
    """

    __tablename__ = "launch_intents"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    workspace_name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="launch")
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class LaunchIntentRepository:
    """Adding, claiming, renewing and settling launch intents of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt_id: str, workspace: str, kind: str = "launch", **payload: Any) -> LaunchIntentRow:
        """Queues the attempt's launch in the caller's transaction, so both commit or neither does."""
        row = LaunchIntentRow(
            attempt_id=attempt_id, workspace_name=workspace, kind=kind, payload=payload, tries=0
        )
        self.session.add(row)
        return row

    def get(self, attempt_id: str) -> LaunchIntentRow | None:
        """The pending intent of an attempt."""
        return self.session.get(LaunchIntentRow, attempt_id)

    def claim(
        self, owner: str, lease: float, limit: int, skip_workspaces: Collection[str] = ()
    ) -> list[LaunchIntentRow]:
        """Claims up to `limit` due intents nobody holds: `SKIP LOCKED` on PostgreSQL, a conditional UPDATE
        everywhere, so two launchers never hold the same intent; commit the session to publish the claim.
        """
        now = utcnow()
        due = (
            select(LaunchIntentRow.attempt_id)
            .where(LaunchIntentRow.not_before <= now)
            .where(or_(LaunchIntentRow.claimed_until.is_(None), LaunchIntentRow.claimed_until < now))
            .order_by(LaunchIntentRow.not_before)
            .limit(limit)
        )
        if skip_workspaces:
            due = due.where(LaunchIntentRow.workspace_name.not_in(list(skip_workspaces)))
        if self.session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        candidates = list(self.session.scalars(due))
        claimed = []
        for attempt_id in candidates:
            taken = self.session.execute(
                update(LaunchIntentRow)
                .where(LaunchIntentRow.attempt_id == attempt_id)
                .where(or_(LaunchIntentRow.claimed_until.is_(None), LaunchIntentRow.claimed_until < now))
                .values(
                    claimed_by=owner,
                    claimed_until=now + timedelta(seconds=lease),
                    tries=LaunchIntentRow.tries + 1,
                )
            )
            if getattr(taken, "rowcount", 0) == 1:
                claimed.append(attempt_id)
        if not claimed:
            return []
        return list(
            self.session.scalars(select(LaunchIntentRow).where(LaunchIntentRow.attempt_id.in_(claimed)))
        )

    def renew(self, owner: str, attempt_ids: Collection[str], lease: float) -> None:
        """Extends the lease of intents this launcher is still working on (a slow workspace call)."""
        if attempt_ids:
            self.session.execute(
                update(LaunchIntentRow)
                .where(LaunchIntentRow.claimed_by == owner, LaunchIntentRow.attempt_id.in_(list(attempt_ids)))
                .values(claimed_until=utcnow() + timedelta(seconds=lease))
            )

    def release(self, attempt_id: str, owner: str, retry_in: float, error: str) -> None:
        """Gives a claimed intent back, due again after `retry_in` seconds (a transient failure)."""
        self.session.execute(
            update(LaunchIntentRow)
            .where(LaunchIntentRow.attempt_id == attempt_id, LaunchIntentRow.claimed_by == owner)
            .values(
                claimed_by=None,
                claimed_until=None,
                not_before=utcnow() + timedelta(seconds=retry_in),
                last_error=error[:2000],
            )
        )

    def release_all(self, owner: str) -> None:
        """Gives back every intent `owner` holds (a launcher stopping), due at once for another launcher."""
        self.session.execute(
            update(LaunchIntentRow)
            .where(LaunchIntentRow.claimed_by == owner)
            .values(claimed_by=None, claimed_until=None)
        )

    def settle(self, attempt_id: str, owner: str, *, any_owner: bool = False) -> bool:
        """Removes a claimed intent in the caller's transaction; False when this launcher no longer holds it.

        `any_owner` settles it whoever holds it now: once the run is recorded, nobody needs to launch it.
        """
        query = delete(LaunchIntentRow).where(LaunchIntentRow.attempt_id == attempt_id)
        if not any_owner:
            query = query.where(LaunchIntentRow.claimed_by == owner)
        done = self.session.execute(query)
        return getattr(done, "rowcount", 0) == 1

    def turn_into(self, attempt_id: str, kind: str, **payload: Any) -> None:
        """Makes the attempt's intent (whoever holds it) one of another kind, unclaimed and due at once."""
        self.session.execute(
            update(LaunchIntentRow)
            .where(LaunchIntentRow.attempt_id == attempt_id)
            .values(
                kind=kind,
                payload=payload,
                claimed_by=None,
                claimed_until=None,
                not_before=utcnow(),
                tries=0,
                last_error=None,
            )
        )

    def pending(self, workspace: str | None = None) -> int:
        """How many intents are waiting or in flight."""
        query = select(LaunchIntentRow.attempt_id)
        if workspace:
            query = query.where(LaunchIntentRow.workspace_name == workspace)
        return len(list(self.session.scalars(query)))

    def expired(self) -> int:
        """Intents whose launcher stopped renewing its claim (it crashed): the next claim takes them over."""
        now = utcnow()
        query = select(LaunchIntentRow.attempt_id).where(
            LaunchIntentRow.claimed_until.is_not(None), LaunchIntentRow.claimed_until < now
        )
        return len(list(self.session.scalars(query)))

    def missing_for(self, attempt_ids: Collection[str]) -> set[str]:
        """Which of these attempts have no intent."""
        if not attempt_ids:
            return set()
        have = set(
            self.session.scalars(
                select(LaunchIntentRow.attempt_id).where(LaunchIntentRow.attempt_id.in_(list(attempt_ids)))
            )
        )
        return set(attempt_ids) - have
