"""Events across server processes: PostgreSQL NOTIFY (sent at commit) brings other processes' events here.

The notice carries the event itself when it fits, so it reaches this process's subscribers without a read
of the store; one too big for a notice is read by id. A notice lost while the listener reconnects is filled
in by the store catch-up.
"""

from __future__ import annotations

from lakerun.control.background import LoopThread
from lakerun.control.context import ControlContext
from lakerun.control.event_catchup import deliver_stored
from lakerun.control.uow import NOTIFY_CHANNEL, parse_notice


class PgFanout(LoopThread):
    """Listens on the events channel and delivers events committed by other processes to the local bus."""

    thread_name = "lakerun-fanout"
    retry_seconds = 1.0

    def __init__(self, ctx: ControlContext) -> None:
        super().__init__()
        self.ctx = ctx

    def start(self) -> None:
        """Starts listening (PostgreSQL only; SQLite deployments are single-process)."""
        if self.ctx.engine.dialect.name == "postgresql":
            super().start()

    def step(self) -> None:
        """Listens until stopped; a lost connection ends the step and the loop connects again."""
        import psycopg

        conninfo = self.ctx.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            while not self.stopping:
                for notice in conn.notifies(timeout=0.5):
                    self._deliver(notice.payload)

    def _deliver(self, message: str) -> None:
        event_id, origin, event = parse_notice(message)
        if origin == self.ctx.origin:
            return
        if event is None:
            deliver_stored(self.ctx, [event_id])
        else:
            self.ctx.bus.deliver(event, local=False)
