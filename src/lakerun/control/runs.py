"""Triggering attempts: the attempt and its launch intent commit together; launchers start the run later."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.control.attempts import TriggerRequest, check_repeat, create_attempt
from lakerun.control.context import ControlContext
from lakerun.control.launcher import Launcher
from lakerun.control.outbox import queue_launch
from lakerun.control.status import ACTIVE
from lakerun.control.workspaces import WorkspaceNotFoundError
from lakerun.errors import ConflictError, InvalidInputError, NotFoundError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.intents import LaunchIntentRepository
from lakerun.store.models import AttemptRow, utcnow
from lakerun.store.records import JobRepository, WorkspaceRepository
from lakerun.store.repair_refusals import RepairRefusalRepository

log = logging.getLogger(__name__)


def absent(session: Session, attempt_id: str) -> NotFoundError:
    """The error for an attempt id with no attempt: it names the reason when it stood for a refused repair."""
    refusal = RepairRefusalRepository(session).get(attempt_id)
    if refusal is not None:
        return NotFoundError(f"no attempt {attempt_id}: the workspace refused its repair ({refusal.reason})")
    return NotFoundError(f"no attempt {attempt_id}")


class RunService:
    """Accepts attempts without waiting for any workspace, and keeps every unlaunched attempt queued."""

    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx
        self.launcher = Launcher(ctx)

    def trigger(self, request: TriggerRequest, **links: str | None) -> AttemptRow:
        """Commits a CREATING attempt with its launch intent and returns it; an idempotent repeat returns the first."""
        attempt, created = self._create(request, **links)
        if created:
            self.launcher.wake()
        return attempt

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
                if created:
                    queue_launch(uow, attempt)
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
                raise NotFoundError(f"no attempt with idempotency key {key!r}")
            check_repeat(session, attempt, request)
        return attempt

    def bulk_trigger(self, requests: list[TriggerRequest]) -> list[AttemptRow | Exception]:
        """Stores every subject's attempt and intent (a bad request fails alone); launchers start them after."""
        results: list[AttemptRow | Exception] = []
        for request in requests:
            try:
                attempt, _ = self._create(request)
            except (InvalidInputError, NotFoundError, ConflictError) as exc:
                results.append(exc)
                continue
            results.append(attempt)
        self.launcher.wake()
        return results

    def start(self) -> None:
        """Starts this process's launcher."""
        self.launcher.start()

    def close(self) -> None:
        """Stops the launcher; intents it held are taken over by any launcher once their lease ends."""
        self.launcher.stop()

    def get(self, attempt_id: str) -> AttemptRow:
        """The attempt as stored now."""
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
            if attempt is None:
                raise absent(session, attempt_id)
        return attempt

    def _check_targets(self, session: Session, request: TriggerRequest) -> None:
        if WorkspaceRepository(session).get(request.workspace) is None:
            raise WorkspaceNotFoundError(f"no workspace registered as {request.workspace!r}")
        if request.job_key and JobRepository(session).get(request.workspace, request.job_key) is None:
            raise InvalidInputError(
                f"job key {request.job_key!r} is not registered in workspace {request.workspace!r}"
            )

    def recover(self) -> int:
        """Requeues active attempts that have neither a run nor an intent, and wakes the launcher for intents
        whose launcher died; returns how many attempts were waiting on a dead launcher or had no intent.
        """
        with self.ctx.uow() as uow:
            intents = LaunchIntentRepository(uow.session)
            unlaunched = AttemptRepository(uow.session).unlaunched([s.value for s in ACTIVE])
            orphans = intents.missing_for([a.id for a in unlaunched])
            for attempt in unlaunched:
                if attempt.id in orphans:
                    kind = "repair" if attempt.repair_of else "launch"
                    intents.add(attempt.id, attempt.workspace_name, kind)
            expired = intents.expired()
        if orphans or expired:
            log.info("recovering %d attempts with no launch under way", len(orphans) + expired)
            self.launcher.wake()
        return len(orphans) + expired
