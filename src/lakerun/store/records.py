"""Small stores: workspaces, registered jobs, callback events, domain events and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakerun.store.inserts import add_once
from lakerun.store.models import CallbackEventRow, EventRow, JobRow, WorkspaceRow


class WorkspaceRepository:
    """Registered workspaces."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> WorkspaceRow | None:
        """The workspace registered under `name`."""
        return self.session.get(WorkspaceRow, name)

    def all(self) -> list[WorkspaceRow]:
        """Every registered workspace by name."""
        return list(self.session.scalars(select(WorkspaceRow).order_by(WorkspaceRow.name)))


class JobRepository:
    """Jobs the registry created, by (workspace, key)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, workspace: str, key: str) -> JobRow | None:
        """The registered job for this key in this workspace."""
        return self.session.scalars(
            select(JobRow).where(JobRow.workspace_name == workspace, JobRow.key == key)
        ).one_or_none()

    def all(self, workspace: str | None = None) -> list[JobRow]:
        """Registered jobs, optionally of one workspace."""
        query = select(JobRow).order_by(JobRow.workspace_name, JobRow.key)
        if workspace:
            query = query.where(JobRow.workspace_name == workspace)
        return list(self.session.scalars(query))


class CallbackEventRepository:
    """Signed events received from tasks; a second delivery of the same sequence is refused."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_once(self, row: CallbackEventRow) -> bool:
        """Stores the event unless (attempt, sequence) was seen; True when it is new."""
        return add_once(self.session, row)

    def of_attempt(self, attempt_id: str, kinds: Sequence[str] = ()) -> list[CallbackEventRow]:
        """The attempt's callback events in sequence order."""
        query = select(CallbackEventRow).where(CallbackEventRow.attempt_id == attempt_id)
        if kinds:
            query = query.where(CallbackEventRow.kind.in_(kinds))
        return list(self.session.scalars(query.order_by(CallbackEventRow.sequence)))


class EventRepository:
    """Stored domain events, read back for WebSocket resume."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: EventRow) -> EventRow:
        """Stores an event and assigns its id."""
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, event_id: int) -> EventRow | None:
        """One event by id."""
        return self.session.get(EventRow, event_id)

    def ids_after(self, last_id: int, limit: int = 5000) -> list[tuple[int, datetime]]:
        """Ids and creation times of the stored events above `last_id`, in id order (no payloads)."""
        query = (
            select(EventRow.id, EventRow.created_at)
            .where(EventRow.id > last_id)
            .order_by(EventRow.id)
            .limit(limit)
        )
        return [(row.id, row.created_at) for row in self.session.execute(query)]

    def newest_ids(self, limit: int) -> list[tuple[int, datetime]]:
        """Ids and creation times of the latest `limit` events, newest first."""
        query = select(EventRow.id, EventRow.created_at).order_by(EventRow.id.desc()).limit(limit)
        return [(row.id, row.created_at) for row in self.session.execute(query)]

    def by_ids(self, event_ids: list[int]) -> list[EventRow]:
        """The events with these ids, in id order."""
        query = select(EventRow).where(EventRow.id.in_(event_ids)).order_by(EventRow.id)
        return list(self.session.scalars(query))

    def after(self, last_id: int, limit: int = 1000, **match: Any) -> list[EventRow]:
        """Events with an id above `last_id`, optionally only those of given subjects, attempts or job keys."""
        query = select(EventRow).where(EventRow.id > last_id).order_by(EventRow.id).limit(limit)
        clauses = []
        for column, values in match.items():
            if values:
                clauses.append(getattr(EventRow, column).in_(list(values)))
        if clauses:
            query = query.where(or_(*clauses))
        return list(self.session.scalars(query))
