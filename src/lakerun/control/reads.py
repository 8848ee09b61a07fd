"""The read side the API and the dashboard use: one function per question a page asks, answered in plain rows.

Readers outside the domain go through here (never through a session), so a change of column is met in
`lakerun.store` and in this module only.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import text

from lakerun.control.context import ControlContext
from lakerun.control.events import DomainEvent, EventFilter
from lakerun.store.attempt_reads import AttemptReads, LiveSignals
from lakerun.store.attempts import AttemptFilter  # noqa: F401  (the runs list's filter, for readers)
from lakerun.store.db import SchemaState, schema_state
from lakerun.store.records import EventRepository


def live_signals(ctx: ControlContext, attempt_ids: Collection[str]) -> dict[str, LiveSignals]:
    """What runs now in each active attempt, its latest message and time-remaining estimate."""
    with ctx.sessions() as session:
        return AttemptReads(session).live_signals(attempt_ids)


def attempt_statuses(ctx: ControlContext, attempt_ids: Collection[str]) -> dict[str, str]:
    """The current status of each attempt named (the subjects list shows its current attempts')."""
    with ctx.sessions() as session:
        return AttemptReads(session).statuses(attempt_ids)


def attempts_by_status(ctx: ControlContext) -> dict[str, int]:
    """How many attempts each status holds now (the `lakerun_attempts` gauge)."""
    with ctx.sessions() as session:
        return AttemptReads(session).count_by_status()


def task_statuses(ctx: ControlContext, attempt_id: str) -> dict[str, str]:
    """Each task's status in one attempt (a pipeline's layers during a whole-pipeline run)."""
    with ctx.sessions() as session:
        return AttemptReads(session).task_statuses(attempt_id)


def layer_figures(ctx: ControlContext, attempt_id: str) -> dict[str, dict[str, Any]]:
    """The figures each pipeline layer of an attempt reported, by layer."""
    with ctx.sessions() as session:
        return AttemptReads(session).layer_figures(attempt_id)


def events_after(
    ctx: ControlContext, last_id: int, event_filter: EventFilter, limit: int
) -> list[DomainEvent]:
    """Stored events after `last_id` that the filter lets through, oldest first (a WebSocket's replay)."""
    with ctx.sessions() as session:
        rows = EventRepository(session).after(last_id, limit=limit, **event_filter.as_match())
        return [DomainEvent.from_row(row) for row in rows]


def database_state(ctx: ControlContext) -> SchemaState:
    """Where the schema stands against this lakerun's migrations; raises when the database does not answer."""
    with ctx.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return schema_state(ctx.engine)
