"""The launcher: drains the launch outbox in the background, a bounded number of calls per workspace.

Every control-plane process runs one. Intents are claimed under a lease the launcher renews while
it works on them; a launcher that dies stops renewing, and its intents are claimed again once the
lease runs out (the workspace's idempotency token then hands back the run already started).
"""

from __future__ import annotations

import logging
import threading
import time

from lakerun.control.background import LoopThread
from lakerun.control.context import ControlContext
from lakerun.control.daemon_pool import DaemonPool
from lakerun.control.outbox import Intent, carry_out
from lakerun.store.intents import LaunchIntentRepository

log = logging.getLogger(__name__)
BACKLOG_PER_SLOT = 4
"""Claims held per launch slot of a workspace: enough to keep its slots busy, few enough to share."""


STOP_JOIN = 2.0
"""Seconds a stopping launcher waits, in all, for launches in flight to return."""


class Launcher(LoopThread):
    """Claims due intents and carries each out on its workspace's own bounded pool."""

    thread_name = "lakerun-launcher"
    step_at_start = True
    join_seconds = 30.0

    def __init__(self, ctx: ControlContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.owner = ctx.origin
        self._lock = threading.Lock()
        self._held: dict[str, str] = {}
        self._pools: dict[str, DaemonPool] = {}
        self._renewed = time.monotonic()

    @property
    def lease(self) -> float:
        """Seconds a claim lasts without renewal: how long a crashed launcher's intents wait to be taken over."""
        return max(self.ctx.settings.launch_grace, 2.0)

    def wait_seconds(self) -> float:
        """How long to wait for a wake-up between looks at the outbox (leases are renewed meanwhile)."""
        return min(self.ctx.settings.launch_poll, self.lease / 3)

    def stop(self) -> None:
        """Stops claiming and gives back every held intent; a launch still in flight records nothing
        (the next launcher re-finds its run by the idempotency token). Its daemon threads are waited for
        at most STOP_JOIN seconds: one hanging on a workspace never holds the process's exit.
        """
        super().stop()
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(join_seconds=STOP_JOIN / max(1, len(pools)))
        try:
            with self.ctx.uow() as uow:
                LaunchIntentRepository(uow.session).release_all(self.owner)
        except Exception:
            log.warning("could not give back the launch intents this launcher held; their lease will end")

    def held(self) -> int:
        """Intents this launcher holds now."""
        with self._lock:
            return len(self._held)

    def step(self) -> None:
        """Dispatches what is due and renews the held leases every third of a lease."""
        self.dispatch()
        if time.monotonic() - self._renewed > self.lease / 3:
            self._renew()
            self._renewed = time.monotonic()

    def dispatch(self) -> int:
        """Claims what this launcher has room for and hands each intent to its workspace's pool."""
        per_workspace = self.ctx.settings.launch_concurrency * BACKLOG_PER_SLOT
        with self._lock:
            counts: dict[str, int] = {}
            for workspace in self._held.values():
                counts[workspace] = counts.get(workspace, 0) + 1
            full = {workspace for workspace, count in counts.items() if count >= per_workspace}
        with self.ctx.uow() as uow:
            rows = LaunchIntentRepository(uow.session).claim(self.owner, self.lease, per_workspace, full)
            intents = [Intent(r.attempt_id, r.workspace_name, r.kind, dict(r.payload), r.tries) for r in rows]
        taken = 0
        for intent in intents:
            with self._lock:
                if intent.attempt_id in self._held:
                    continue
                self._held[intent.attempt_id] = intent.workspace
                pool = self._pool(intent.workspace)
            pool.submit(self._carry_out, intent)
            taken += 1
        return taken

    def _pool(self, workspace: str) -> DaemonPool:
        pool = self._pools.get(workspace)
        if pool is None:
            pool = self._pools[workspace] = DaemonPool(
                self.ctx.settings.launch_concurrency, f"lakerun-launch-{workspace}"
            )
        return pool

    def _carry_out(self, intent: Intent) -> None:
        try:
            if not self._stop.is_set():
                carry_out(self.ctx, intent, self.owner, lambda: not self._stop.is_set())
        except Exception:
            log.exception("launch intent of attempt %s failed; it stays queued", intent.attempt_id)
        finally:
            with self._lock:
                self._held.pop(intent.attempt_id, None)
            self._wake.set()

    def _renew(self) -> None:
        """Keeps the claims of intents still queued or in flight here from expiring."""
        with self._lock:
            held = list(self._held)
        if held:
            with self.ctx.uow() as uow:
                LaunchIntentRepository(uow.session).renew(self.owner, held, self.lease)
