"""One reconciler leader among several server processes: a PostgreSQL advisory lock (SQLite: one process)."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)
LOCK_KEY = 0x1A4E_C0DE


class Leadership:
    """Holds the advisory lock on a dedicated connection for as long as this process leads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        """True when this process leads (taking the lock if free); cheap to call every pass."""
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self._connection is None:
                self._connection = self.engine.connect()
            held = self._connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            self._connection.commit()
            return bool(held)
        except Exception:
            log.exception("leader election failed; will retry")
            self.release()
            return False

    def release(self) -> None:
        """Gives up the lock (closing the connection releases it)."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                self._connection.commit()
            except Exception:
                self._connection.invalidate()
            try:
                self._connection.close()
            finally:
                self._connection = None
