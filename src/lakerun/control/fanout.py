"""Events across server processes: PostgreSQL NOTIFY (sent at commit) brings other processes' events here."""

from __future__ import annotations

from lakerun.control.background import LoopThread
from lakerun.control.context import ControlContext
from lakerun.control.event_catchup import deliver_stored
from lakerun.control.uow import NOTIFY_CHANNEL


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
        event_id, _, origin = message.partition(":")
        if origin == self.ctx.origin:
            return
        deliver_stored(self.ctx, [int(event_id)])
