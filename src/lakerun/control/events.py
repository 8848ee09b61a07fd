"""Domain events and the in-process bus that hands them to subscribers once their commit is done."""

from __future__ import annotations

import asyncio
import json
import threading
import time
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

    def envelope(self) -> str:
        """Every field as one JSON text, to carry the event to other processes (see `from_envelope`)."""
        fields = [self.id, self.type, self.attempt_id, self.subject_kind, self.subject_key, self.job_key]
        return json.dumps([*fields, self.created_at.isoformat(), self.payload], default=str)

    @classmethod
    def from_envelope(cls, text: str) -> DomainEvent:
        """The event `envelope()` wrote (its payload as JSON gives it, which is how subscribers see it)."""
        event_id, kind, attempt, subject_kind, subject_key, job_key, created_at, payload = json.loads(text)
        return cls(
            event_id,
            kind,
            attempt,
            subject_kind,
            subject_key,
            job_key,
            payload,
            datetime.fromisoformat(created_at),
        )

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


@dataclass(frozen=True)
class Cursor:
    """A marker in a subscription's queue: every event with an id up to `floor` was queued before it."""

    floor: int


@dataclass(eq=False)
class Subscription:
    """An asyncio queue for one WebSocket client, fed on its own event loop."""

    filter: EventFilter
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[DomainEvent | Cursor] = field(default_factory=lambda: asyncio.Queue(maxsize=10_000))
    overflowed: bool = False

    def offer(self, event: DomainEvent) -> None:
        """Queues the event if it matches; runs on the subscriber's loop. A full queue marks the subscription
        overflowed, so its sender can tell the client to resume from its cursor instead of losing events."""
        if not self.filter.matches(event):
            return
        if self.queue.full():
            self.overflowed = True
        else:
            self.queue.put_nowait(event)


class DeliveredWindow:
    """The ids already sent to one subscriber in the last `seconds`, so replayed, re-sent and gap-filled
    events go out exactly once whatever order they arrive in."""

    def __init__(self, seconds: float = 300.0) -> None:
        self.seconds = seconds
        self._sent: dict[int, float] = {}

    def first_time(self, event_id: int) -> bool:
        """Records `event_id` as sent; False when it already was."""
        if event_id in self._sent:
            return False
        now = time.monotonic()
        self._sent[event_id] = now
        if len(self._sent) % 256 == 0:
            self._prune(now)
        return True

    def _prune(self, now: float) -> None:
        self._sent = {i: at for i, at in self._sent.items() if now - at < self.seconds}


class EventBus:
    """Fans committed events out to async subscriptions and plain listeners in this process.

    Each stored event id reaches the bus once, whatever path brought it (this process's commit, another
    process's NOTIFY, the store catch-up), in any order. `floor` is the id up to which every event was
    delivered or is known never to come (a rolled-back id), as the catch-up establishes it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self._listeners: list[Callable[[DomainEvent], None]] = []
        self._seen: set[int] = set()
        self.floor = 0

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
        was committed by this process, to listeners, so notifications are sent once however many processes run.
        Subscribers never get an id twice; listeners hear each local commit once, whoever delivered it first."""
        with self._lock:
            listeners = list(self._listeners) if local else []
            if event.id not in self._seen:
                if event.id > self.floor:
                    self._seen.add(event.id)
                for loop in {s.loop for s in self._subscriptions}:
                    if not loop.is_closed():
                        loop.call_soon_threadsafe(self._offer_on, loop, event)
        for listener in listeners:
            listener(event)

    def unseen(self, event_ids: Iterable[int]) -> list[int]:
        """The ids among `event_ids` that never reached this bus."""
        with self._lock:
            return [i for i in event_ids if i > self.floor and i not in self._seen]

    def advance(self, floor: int) -> None:
        """Records that every event up to `floor` was delivered or will never exist."""
        with self._lock:
            if floor > self.floor:
                self.floor = floor
                self._seen = {i for i in self._seen if i > floor}

    def mark(self, subscription: Subscription) -> None:
        """Queues a `Cursor` behind every event delivered so far; call it on the subscription's loop."""
        with self._lock:
            floor = self.floor
            subscription.loop.call_soon(self._put_cursor, subscription, Cursor(floor))

    @staticmethod
    def _put_cursor(subscription: Subscription, cursor: Cursor) -> None:
        if not subscription.queue.full():
            subscription.queue.put_nowait(cursor)

    def _offer_on(self, loop: asyncio.AbstractEventLoop, event: DomainEvent) -> None:
        with self._lock:
            subscriptions = [s for s in self._subscriptions if s.loop is loop]
        for subscription in subscriptions:
            subscription.offer(event)

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscriptions)
