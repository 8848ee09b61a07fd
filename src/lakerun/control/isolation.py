"""Per-workspace bounds on concurrent calls, so one workspace's outage cannot take every thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lakerun.errors import UnavailableError


class WorkspaceBusyError(UnavailableError):
    """Every call slot of the workspace is taken by calls still waiting for it: try again later."""


class WorkspaceGates:
    """A semaphore per workspace: at most `limit` calls in flight to one workspace from this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._gates: dict[str, threading.BoundedSemaphore] = {}

    def _gate(self, workspace: str) -> threading.BoundedSemaphore:
        with self._lock:
            gate = self._gates.get(workspace)
            if gate is None:
                gate = self._gates[workspace] = threading.BoundedSemaphore(self.limit)
            return gate

    @contextmanager
    def slot(self, workspace: str, wait: float = 1.0) -> Iterator[None]:
        """Holds one call slot of `workspace`; raises WorkspaceBusyError when none frees up within `wait` s."""
        gate = self._gate(workspace)
        if not gate.acquire(timeout=wait):
            raise WorkspaceBusyError(
                f"workspace {workspace!r} already has {self.limit} calls in flight (it answers slowly or not at all)"
            )
        try:
            yield
        finally:
            gate.release()
