"""Store catch-up for the event bus: any stored event that never reached this process's bus is delivered late.

Events reach the bus from this process's commits and, on PostgreSQL, from other processes' NOTIFY; a
NOTIFY lost while the listener reconnects, or a commit whose process died between commit and delivery,
would otherwise never reach a subscriber. One thread per process reads the stored ids above the bus's
floor (ids only, no payloads), delivers the missing ones and advances the floor over ids that are
delivered or old enough to be known dead (a rolled-back transaction leaves a hole in the sequence).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from lakerun.control.background import LoopThread
from lakerun.control.context import ControlContext
from lakerun.control.events import DomainEvent
from lakerun.store.base import utcnow
from lakerun.store.records import EventRepository


def deliver_stored(ctx: ControlContext, event_ids: Collection[int]) -> int:
    """Reads the stored events named and delivers them to this process's bus as from elsewhere; returns how many."""
    if not event_ids:
        return 0
    with ctx.sessions() as session:
        events = [DomainEvent.from_row(row) for row in EventRepository(session).by_ids(sorted(event_ids))]
    for event in events:
        ctx.bus.deliver(event, local=False)
    return len(events)


class EventCatchUp(LoopThread):
    """Delivers stored events the bus missed, every `interval` seconds; an id is filled in only when it was
    still missing one pass later, so the commit's own delivery (milliseconds after) always goes first."""

    thread_name = "lakerun-event-catchup"

    def __init__(self, ctx: ControlContext, interval: float = 0.5, settle: float = 30.0) -> None:
        super().__init__()
        self.ctx = ctx
        self.interval = interval
        self.settle = timedelta(seconds=settle)
        self._pending: set[int] = set()

    def start(self) -> None:
        """Sets the bus floor below the events still settling, then checks every `interval` seconds."""
        self.ctx.bus.advance(self._initial_floor())
        super().start()

    def step(self) -> None:
        """One pass of the loop."""
        self.run_once()

    def run_once(self) -> int:
        """One pass; returns how many events were delivered late."""
        bus = self.ctx.bus
        with self.ctx.sessions() as session:
            stored = EventRepository(session).ids_after(bus.floor)
        unseen = set(bus.unseen(event_id for event_id, _ in stored))
        due = unseen & self._pending
        self._pending = unseen - due
        delivered = deliver_stored(self.ctx, due)
        bus.advance(self._settled(bus.floor, stored, self._pending))
        return delivered

    def _settled(self, floor: int, stored: list[tuple[int, datetime]], waiting: set[int]) -> int:
        """The highest id up to which nothing more can arrive: contiguous delivered ids, or ids past a hole
        once a later event is older than the settle time (no transaction stays open that long)."""
        cutoff = utcnow() - self.settle
        for event_id, created_at in stored:
            if event_id in waiting or (event_id != floor + 1 and created_at >= cutoff):
                break
            floor = event_id
        return floor

    def _initial_floor(self) -> int:
        with self.ctx.sessions() as session:
            recent = EventRepository(session).newest_ids(1000)
        cutoff = utcnow() - self.settle
        settled = [event_id for event_id, created_at in recent if created_at < cutoff]
        if settled:
            return settled[0]
        return recent[-1][0] - 1 if recent else 0
