"""Events across server processes: PostgreSQL NOTIFY (sent at commit) brings other processes' events here."""

from __future__ import annotations

import logging
import threading

from lakerun.control.context import ControlContext
from lakerun.control.events import DomainEvent
from lakerun.control.uow import NOTIFY_CHANNEL
from lakerun.store.records import EventRepository

log = logging.getLogger(__name__)


class PgFanout:
    """Listens on the events channel and delivers events committed by other processes to the local bus."""

    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts listening (PostgreSQL only; SQLite deployments are single-process)."""
        if self.ctx.engine.dialect.name != "postgresql":
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="lakerun-fanout", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops listening."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:
                log.exception("event listener lost its connection; reconnecting")
                self._stop.wait(1.0)

    def _listen(self) -> None:
        import psycopg

        conninfo = self.ctx.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=0.5):
                    self._deliver(notice.payload)

    def _deliver(self, message: str) -> None:
        event_id, _, origin = message.partition(":")
        if origin == self.ctx.origin:
            return
        with self.ctx.sessions() as session:
            row = EventRepository(session).get(int(event_id))
            event = DomainEvent.from_row(row) if row is not None else None
        if event is not None:
            self.ctx.bus.deliver(event, local=False)
