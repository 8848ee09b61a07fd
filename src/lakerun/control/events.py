"""Domain events and the in-process bus that hands them to subscribers once their commit is done."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from lakerun.store.models import EventRow

EVENT_TYPES = ("run.created", "run.started", "run.progress", "run.completed", "run.failed", "run.cancelled")


@dataclass(frozen=True)
class DomainEvent:
    """Something that became true about an attempt, as stored and as sent to WebSocket clients."""

    id: int
    type: str
    attempt_id: str | None
    subject_kind: str | None
    subject_key: str | None
    job_key: str | None
    payload: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: EventRow) -> DomainEvent:
        """The event stored in `row`."""
        return cls(
            row.id,
            row.type,
            row.attempt_id,
            row.subject_kind,
            row.subject_key,
            row.job_key,
            dict(row.payload),
            row.created_at,
        )

    def as_json(self) -> dict[str, Any]:
        """The wire form: the payload's fields plus id, type and time."""
        return {**self.payload, "id": self.id, "type": self.type, "created_at": self.created_at.isoformat()}

    @cached_property
    def json_text(self) -> str:
        """The wire form serialised once, however many subscribers receive it."""
        return json.dumps(self.as_json(), default=str)


@dataclass(frozen=True)
class EventFilter:
    """A subscription's interest: any of these subjects, attempts or job keys; empty means everything."""

    subjects: frozenset[str] = frozenset()
    attempts: frozenset[str] = frozenset()
    job_keys: frozenset[str] = frozenset()

    def matches(self, event: DomainEvent) -> bool:
        """True when the event concerns something subscribed to."""
        if not (self.subjects or self.attempts or self.job_keys):
            return True
        return (
            (event.subject_key or "") in self.subjects
            or (event.attempt_id or "") in self.attempts
            or (event.job_key or "") in self.job_keys
        )

    def as_match(self) -> dict[str, Iterable[str]]:
        """Column filters for reading stored events (see `EventRepository.after`)."""
        return {"subject_key": self.subjects, "attempt_id": self.attempts, "job_key": self.job_keys}


@dataclass(eq=False)
class Subscription:
    """An asyncio queue for one WebSocket client, fed on its own event loop."""

    filter: EventFilter
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[DomainEvent] = field(default_factory=lambda: asyncio.Queue(maxsize=10_000))

    def offer(self, event: DomainEvent) -> None:
        """Queues the event if it matches; runs on the subscriber's loop. A full queue drops it (resume by id)."""
        if self.filter.matches(event) and not self.queue.full():
            self.queue.put_nowait(event)


class EventBus:
    """Fans committed events out to async subscriptions and plain listeners in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self._listeners: list[Callable[[DomainEvent], None]] = []

    def subscribe(self, event_filter: EventFilter, loop: asyncio.AbstractEventLoop) -> Subscription:
        """A new subscription on `loop`."""
        subscription = Subscription(event_filter, loop)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stops feeding a subscription."""
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def listen(self, listener: Callable[[DomainEvent], None]) -> None:
        """Calls `listener` for every event committed in this process (notifications use this); must not block."""
        with self._lock:
            self._listeners.append(listener)

    def deliver(self, event: DomainEvent, *, local: bool = True) -> None:
        """Hands a committed event to subscribers (one wake-up per event loop, not per subscriber) and, when it
        was committed by this process, to listeners, so notifications are sent once however many processes run."""
        with self._lock:
            loops = {s.loop for s in self._subscriptions}
            listeners = list(self._listeners)
        for loop in loops:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._offer_on, loop, event)
        for listener in listeners if local else []:
            listener(event)

    def _offer_on(self, loop: asyncio.AbstractEventLoop, event: DomainEvent) -> None:
        with self._lock:
            subscriptions = [s for s in self._subscriptions if s.loop is loop]
        for subscription in subscriptions:
            subscription.offer(event)

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscriptions)
