"""Triggering attempts: commit the attempt first, then start its run, then record what the workspace said."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.control.attempts import TriggerRequest, check_repeat, create_attempt, move
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe, is_transient
from lakerun.control.launch import Launched, LaunchRequest, launch
from lakerun.control.request_checks import waiting_for
from lakerun.control.retention import apply_retention
from lakerun.control.status import Source, Status
from lakerun.control.workspaces import WorkspaceNotFoundError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, SubjectRow, utcnow
from lakerun.store.records import JobRepository, WorkspaceRepository

log = logging.getLogger(__name__)


LAUNCH_WORKERS = 8
"""Bulk-triggered attempts launched at once: workspace calls are I/O-bound, the workspace rate-limits."""


class RunService:
    """Starts attempts and recovers those whose launch was interrupted."""

    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx
        self._launching: set[str] = set()
        self._lock = threading.Lock()
        self._launcher: ThreadPoolExecutor | None = None
        self._queued: set[str] = set()

    def trigger(self, request: TriggerRequest, **links: str | None) -> AttemptRow:
        """Commits a CREATING attempt, then launches it; an idempotent repeat returns the first attempt."""
        attempt, created = self._create(request, **links)
        if created:
            self.launch(attempt.id)
        return self.get(attempt.id)

    def _create(self, request: TriggerRequest, **links: str | None) -> tuple[AttemptRow, bool]:
        """The committed CREATING attempt of a request, and whether this call created it."""
        request.validate()
        timeout = request.timeout_seconds or self.ctx.settings.default_timeout
        callbacks = self.ctx.settings.callbacks_enabled if request.callbacks is None else request.callbacks
        try:
            with self.ctx.uow() as uow:
                self._check_targets(uow.session, request)
                policy = request.concurrency or self.ctx.settings.concurrency_policy
                attempt, created = create_attempt(
                    uow, request, utcnow() + timedelta(seconds=timeout), callbacks, policy, **links
                )
        except IntegrityError:
            if not request.idempotency_key:
                raise
            attempt, created = self._by_idempotency_key(request), False
        return attempt, created

    def _by_idempotency_key(self, request: TriggerRequest) -> AttemptRow:
        """The attempt a concurrent request with the same idempotency key created first (for the same work)."""
        key = request.idempotency_key or ""
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).by_idempotency_key(key)
            if attempt is None:
                raise LookupError(f"no attempt with idempotency key {key!r}")
            check_repeat(session, attempt, request)
        return attempt

    def bulk_trigger(self, requests: list[TriggerRequest]) -> list[AttemptRow | Exception]:
        """Stores every subject's attempt (a bad request fails alone), then launches them in the background,
        LAUNCH_WORKERS at a time: the answer comes once all are stored, not once every workspace has replied.
        """
        results: list[AttemptRow | Exception] = []
        for request in requests:
            try:
                attempt, created = self._create(request)
            except (ValueError, LookupError) as exc:
                results.append(exc)
                continue
            if created:
                with self._lock:
                    self._queued.add(attempt.id)
                self._background().submit(self._launch_queued, attempt.id)
            results.append(attempt)
        return results

    def _launch_queued(self, attempt_id: str) -> None:
        with self._lock:
            self._queued.discard(attempt_id)
        self.launch(attempt_id)

    def _background(self) -> ThreadPoolExecutor:
        """The pool that launches bulk-triggered attempts (created on first use)."""
        with self._lock:
            if self._launcher is None:
                self._launcher = ThreadPoolExecutor(LAUNCH_WORKERS, thread_name_prefix="lakerun-launch")
            return self._launcher

    def close(self) -> None:
        """Drops launches not yet started; their attempts stay CREATING and are relaunched after a restart."""
        with self._lock:
            launcher, self._launcher = self._launcher, None
        if launcher is not None:
            launcher.shutdown(wait=False, cancel_futures=True)

    def get(self, attempt_id: str) -> AttemptRow:
        """The attempt as stored now."""
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
        if attempt is None:
            raise LookupError(f"no attempt {attempt_id}")
        return attempt

    def _check_targets(self, session: Session, request: TriggerRequest) -> None:
        if WorkspaceRepository(session).get(request.workspace) is None:
            raise WorkspaceNotFoundError(f"no workspace registered as {request.workspace!r}")
        if request.job_key and JobRepository(session).get(request.workspace, request.job_key) is None:
            raise ValueError(
                f"job key {request.job_key!r} is not registered in workspace {request.workspace!r}"
            )

    def launch(self, attempt_id: str) -> None:
        """Starts the attempt's run unless another thread is at it; safe to repeat (idempotency token)."""
        with self._lock:
            if attempt_id in self._launching:
                return
            self._launching.add(attempt_id)
        try:
            self._launch(attempt_id)
        finally:
            with self._lock:
                self._launching.discard(attempt_id)

    def _launch(self, attempt_id: str) -> None:
        request = self._launch_request(attempt_id)
        if request is None:
            return
        workspace, launch_request = request
        try:
            launched = launch(self.ctx.client(workspace), launch_request)
        except Exception as exc:
            self._launch_failed(attempt_id, exc)
            return
        self._launched(attempt_id, launched)

    def _launch_request(self, attempt_id: str) -> tuple[str, LaunchRequest] | None:
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
            if attempt is None or attempt.status != Status.CREATING.value or attempt.run_id is not None:
                return None
            if waiting_for(AttemptRepository(session), attempt) is not None:
                return None
            subject = session.get(SubjectRow, attempt.subject_id)
            workspace = WorkspaceRepository(session).get(attempt.workspace_name)
            job = (
                JobRepository(session).get(attempt.workspace_name, attempt.job_key)
                if attempt.job_key
                else None
            )
            request = LaunchRequest(
                attempt_id=attempt.id,
                attempt_number=attempt.attempt_number,
                strategy=attempt.strategy,
                subject_key=subject.key if subject else "",
                spec=dict(attempt.spec),
                parameters=dict(attempt.parameters),
                callback=self.ctx.callback_for(attempt),
                secret=self.ctx.secret_placement(attempt),
                default_cluster_id=workspace.default_cluster_id if workspace else None,
                job_id=job.job_id if job else None,
            )
            return attempt.workspace_name, request

    def _launch_failed(self, attempt_id: str, exc: Exception) -> None:
        transient = is_transient(exc)
        log.warning(
            "launch of attempt %s failed (%s): %s",
            attempt_id,
            "will retry" if transient else "final",
            describe(exc),
        )
        with self.ctx.uow() as uow:
            attempt = AttemptRepository(uow.session).get(attempt_id, lock=True)
            if attempt is None:
                return
            if transient:
                attempt.status_message = f"launch will be retried: {describe(exc)}"
                return
            move(uow, attempt, Status.FAILED, Source.API, reason="launch failed", error=describe(exc))

    def _launched(self, attempt_id: str, launched: Launched) -> None:
        with self.ctx.uow() as uow:
            attempt = AttemptRepository(uow.session).get(attempt_id, lock=True)
            if attempt is None:
                return
            attempt.run_id, attempt.job_id = launched.run_id, launched.job_id
            move(
                uow,
                attempt,
                Status.QUEUED,
                Source.API,
                reason="run started in the workspace",
                raw_state="SUBMITTED",
            )
            if attempt.status == Status.CANCELLED.value:
                workspace, run_id = attempt.workspace_name, launched.run_id
                uow.after_commit(lambda: self.ctx.client(workspace).jobs.cancel_run(run_id=run_id))
            if attempt.strategy == "job_per_attempt":
                subject_id = attempt.subject_id
                uow.after_commit(lambda: apply_retention(self.ctx, subject_id))

    def relaunch_interrupted(self) -> int:
        """Launches CREATING attempts older than the grace period again (same token: no duplicate run)."""
        cutoff = utcnow() - timedelta(seconds=self.ctx.settings.launch_grace)
        with self.ctx.sessions() as session:
            stuck = [
                a.id
                for a in AttemptRepository(session).active([Status.CREATING.value])
                if a.run_id is None and a.created_at < cutoff
            ]
        with self._lock:
            stuck = [attempt_id for attempt_id in stuck if attempt_id not in self._queued]
        for attempt_id in stuck:
            self.launch(attempt_id)
        return len(stuck)
