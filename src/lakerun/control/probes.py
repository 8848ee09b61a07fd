"""The last reachability probe of each workspace, kept for readiness checks that must answer fast."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from lakerun.control.workspaces import probe_health
from lakerun.store.models import WorkspaceRow


class ProbeCache:
    """Probes a workspace at most once per `max_age` seconds and remembers the outcome and its time."""

    def __init__(self, max_age: float = 30.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._last: dict[str, tuple[float, dict[str, object]]] = {}

    def latest(self, row: WorkspaceRow) -> dict[str, object]:
        """The workspace's last probe, probing again when it is older than `max_age`."""
        with self._lock:
            cached = self._last.get(row.name)
        if cached is not None and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        result = {**probe_health(row), "checked_at": datetime.now(UTC).isoformat()}
        with self._lock:
            self._last[row.name] = (time.monotonic(), result)
        return result
