"""A unit of work: one transaction, with events and side effects released only after it commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from lakerun.control.events import DomainEvent, EventBus
from lakerun.store.models import EventRow
from lakerun.store.records import EventRepository

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "lakerun_events"
NOTIFY_LIMIT = 7900
"""PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; an event too big to ride along is sent as its
id alone, and the listeners read it from the store."""


def notice(event: DomainEvent, origin: str) -> str:
    """The NOTIFY payload for an event: `id:origin`, then a newline and the event itself when it fits."""
    head = f"{event.id}:{origin}"
    message = f"{head}\n{event.envelope()}"
    return message if len(message.encode()) < NOTIFY_LIMIT else head


def parse_notice(message: str) -> tuple[int, str, DomainEvent | None]:
    """The event id, the origin and (when it rode along) the event of a NOTIFY payload."""
    head, _, body = message.partition("\n")
    event_id, _, origin = head.partition(":")
    return int(event_id), origin, DomainEvent.from_envelope(body) if body else None


class UnitOfWork:
    """`with UnitOfWork(...) as uow:` commits on success; queued events and effects run after the commit."""

    def __init__(self, sessions: sessionmaker[Session], bus: EventBus, origin: str) -> None:
        self._sessions = sessions
        self._bus = bus
        self._origin = origin
        self._events: list[DomainEvent] = []
        self._effects: list[Callable[[], object]] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
                return
            self.session.commit()
        finally:
            self.session.close()
        self._release()

    def publish(self, event_type: str, payload: dict[str, Any], **keys: str | None) -> None:
        """Stores an event in this transaction; it reaches subscribers only if the transaction commits."""
        row = EventRepository(self.session).add(EventRow(type=event_type, payload=payload, **keys))
        event = DomainEvent.from_row(row)
        self._events.append(event)
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_notify(:channel, :message)"),
                {"channel": NOTIFY_CHANNEL, "message": notice(event, self._origin)},
            )

    def after_commit(self, effect: Callable[[], object]) -> None:
        """Runs `effect` once the transaction has committed (workspace calls, emails, ...)."""
        self._effects.append(effect)

    def _release(self) -> None:
        for event in self._events:
            self._bus.deliver(event)
        for effect in self._effects:
            try:
                effect()
            except Exception:
                log.exception("after-commit effect failed")
