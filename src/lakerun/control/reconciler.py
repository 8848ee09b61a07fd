"""The reconciler: the correctness path that brings every active attempt to its true state.

Per workspace and pass it lists the active runs once (batched, paged `runs/list active_only`) and
calls `runs/get` only for runs that left the active set or whose callbacks are overdue. API errors
mean "try later", never the attempt's failure.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import timedelta

from databricks.sdk.service import jobs

from lakerun.control.attempts import move
from lakerun.control.background import LoopThread
from lakerun.control.completion import apply_listed, refresh
from lakerun.control.context import ControlContext
from lakerun.control.daemon_pool import DaemonPool
from lakerun.control.errors import describe
from lakerun.control.leader import Leadership
from lakerun.control.run_state import read_run
from lakerun.control.runs import RunService
from lakerun.control.status import ACTIVE, Source, Status
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, utcnow

log = logging.getLogger(__name__)
LIST_PAGE = 25
RECONCILE_WORKERS = 8
"""Workspaces reconciled at once."""


@dataclass
class PassReport:
    """What one reconciler pass did, for logs, tests and the cost benchmark."""

    listed: int = 0
    fetched: int = 0
    relaunched: int = 0
    timed_out: int = 0
    errors: list[str] = field(default_factory=list)


class Reconciler(LoopThread):
    """Runs passes on a background thread while this process holds the leadership."""

    thread_name = "lakerun-reconciler"
    step_at_start = True
    join_seconds = 30.0

    def __init__(self, ctx: ControlContext, runs: RunService) -> None:
        super().__init__()
        self.ctx = ctx
        self.runs = runs
        self.leadership = Leadership(ctx.engine)
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._pool = DaemonPool(RECONCILE_WORKERS, "lakerun-reconcile")

    def wait_seconds(self) -> float:
        """Seconds between passes unless woken."""
        return self.ctx.settings.reconcile_interval

    def stop(self) -> None:
        """Stops the loop and gives up the leadership."""
        super().stop()
        self._pool.shutdown()
        self._pool = DaemonPool(RECONCILE_WORKERS, "lakerun-reconcile")
        self.leadership.release()

    def step(self) -> None:
        """One pass while this process leads (a pass waits for slow workspaces at most one interval)."""
        if self.leadership.acquire():
            self.run_pass(max(self.ctx.settings.reconcile_interval, 1.0))

    def run_pass(self, wait_seconds: float | None = None) -> PassReport:
        """One pass over every active attempt; waits for every workspace unless `wait_seconds` bounds it."""
        report = PassReport(relaunched=self.runs.recover())
        with self.ctx.sessions() as session:
            active = AttemptRepository(session).tracked([s.value for s in ACTIVE])
        by_workspace: dict[str, list[AttemptRow]] = defaultdict(list)
        for attempt in active:
            if attempt.deadline_at is not None and attempt.deadline_at < utcnow():
                self._time_out(attempt, report)
            elif attempt.run_id is not None:
                by_workspace[attempt.workspace_name].append(attempt)
        self._reconcile_each(by_workspace, report, wait_seconds)
        return report

    def _reconcile_each(
        self, by_workspace: dict[str, list[AttemptRow]], report: PassReport, wait_seconds: float | None
    ) -> None:
        """Reconciles workspaces side by side; one still busy from an earlier pass (it hangs) is skipped,
        and the background loop waits for the others at most one interval, so an outage never holds the rest back.
        """
        futures: dict[str, Future[PassReport]] = {}
        with self._lock:
            for workspace, attempts in by_workspace.items():
                if workspace in self._busy:
                    report.errors.append(f"{workspace}: still busy with an earlier pass")
                    continue
                self._busy.add(workspace)
                futures[workspace] = self._pool.submit(self._reconcile_alone, workspace, attempts)
        done, _ = wait(futures.values(), timeout=wait_seconds)
        for future in done:
            part = future.result()
            report.listed += part.listed
            report.fetched += part.fetched
            report.errors += part.errors

    def _reconcile_alone(self, workspace: str, attempts: list[AttemptRow]) -> PassReport:
        report = PassReport()
        try:
            with self.ctx.gates.slot(workspace, wait=0):
                self._reconcile_workspace(workspace, attempts, report)
        except Exception as exc:
            report.errors.append(f"{workspace}: {describe(exc)}")
            log.warning("reconciling workspace %s: %s (will try later)", workspace, describe(exc))
        finally:
            with self._lock:
                self._busy.discard(workspace)
        return report

    def _reconcile_workspace(self, workspace: str, attempts: list[AttemptRow], report: PassReport) -> None:
        client = self.ctx.client(workspace)
        active_runs = {r.run_id: r for r in client.jobs.list_runs(active_only=True, limit=LIST_PAGE)}
        report.listed += 1 + len(active_runs) // LIST_PAGE
        changed = []
        for attempt in attempts:
            run = active_runs.get(attempt.run_id)
            if run is not None and not self._callbacks_overdue(attempt):
                if self._changed(attempt, run):
                    changed.append((attempt.id, run))
                continue
            try:
                report.fetched += 1
                refresh(self.ctx, attempt.id, workspace, int(attempt.run_id or 0))
            except Exception as exc:
                report.errors.append(f"{attempt.id}: {describe(exc)}")
                log.info("attempt %s not reconciled this pass: %s", attempt.id, describe(exc))
        if changed:
            apply_listed(self.ctx, changed)

    @staticmethod
    def _changed(attempt: AttemptRow, run: jobs.BaseRun) -> bool:
        """Whether a listed run says anything the attempt does not already know (saves a write per run)."""
        reading = read_run(run)
        return (reading.status.value, reading.raw, run.run_page_url) != (
            attempt.status,
            attempt.raw_state,
            attempt.run_page_url,
        )

    def _callbacks_overdue(self, attempt: AttemptRow) -> bool:
        """A running attempt whose task has said nothing for a while gets a full runs/get."""
        if attempt.status != Status.RUNNING.value:
            return False
        overdue = utcnow() - timedelta(seconds=self.ctx.settings.callback_overdue)
        heard = max(
            filter(None, [attempt.last_callback_at, attempt.last_polled_at, attempt.started_at]), default=None
        )
        return heard is None or heard < overdue

    def _time_out(self, attempt: AttemptRow, report: PassReport) -> None:
        """Cancels the remote run of an attempt past its deadline and closes the attempt as TIMEDOUT."""
        if attempt.run_id is not None:
            try:
                self.ctx.client(attempt.workspace_name).jobs.cancel_run(run_id=attempt.run_id)
            except Exception as exc:
                report.errors.append(f"{attempt.id}: cancel on deadline: {describe(exc)}")
        with self.ctx.uow() as uow:
            row = AttemptRepository(uow.session).get(attempt.id, lock=True)
            if row is not None and move(uow, row, Status.TIMEDOUT, Source.POLL, reason="deadline exceeded"):
                report.timed_out += 1
