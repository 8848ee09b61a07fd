"""Store catch-up for the event bus: any stored event that never reached this process's bus is delivered late.

Events reach the bus from this process's commits and, on PostgreSQL, from other processes' NOTIFY; a
NOTIFY lost while the listener reconnects, or a commit whose process died between commit and delivery,
would otherwise never reach a subscriber. One thread per process reads the stored ids above the bus's
floor (ids only, no payloads), delivers the missing ones and advances the floor over ids that are
delivered or old enough to be known dead (a rolled-back transaction leaves a hole in the sequence).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from lakerun.control.context import ControlContext
from lakerun.control.events import DomainEvent
from lakerun.store.models import utcnow
from lakerun.store.records import EventRepository

log = logging.getLogger(__name__)


class EventCatchUp:
    """Delivers stored events the bus missed, every `interval` seconds; an id is filled in only when it was
    still missing one pass later, so the commit's own delivery (milliseconds after) always goes first."""

    def __init__(self, ctx: ControlContext, interval: float = 0.5, settle: float = 30.0) -> None:
        self.ctx = ctx
        self.interval = interval
        self.settle = timedelta(seconds=settle)
        self._pending: set[int] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Sets the bus floor below the events still settling, then checks every `interval` seconds."""
        self.ctx.bus.advance(self._initial_floor())
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="lakerun-event-catchup", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops checking."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                log.exception("event catch-up pass failed; trying again")

    def run_once(self) -> int:
        """One pass; returns how many events were delivered late."""
        bus = self.ctx.bus
        with self.ctx.sessions() as session:
            repo = EventRepository(session)
            stored = repo.ids_after(bus.floor)
            unseen = set(bus.unseen(event_id for event_id, _ in stored))
            due = sorted(unseen & self._pending)
            rows = [DomainEvent.from_row(row) for row in repo.by_ids(due)] if due else []
        self._pending = unseen - set(due)
        for event in rows:
            bus.deliver(event, local=False)
        bus.advance(self._settled(bus.floor, stored, self._pending))
        return len(rows)

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
