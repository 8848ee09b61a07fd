"""Removes an attempt's callback secret once the attempt has ended, retrying until the workspace confirms.

Secrets are spread over several scopes (see `ControlContext.secret_scope_of`): a scope holds 1000 keys.
The deletions still to do are rows of the store, queued in the transaction that ends the attempt, so a
restart (even a kill -9) picks up where the last process stopped.
"""

from __future__ import annotations

import logging

from databricks.sdk import errors

from lakerun.control.background import LoopThread
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe
from lakerun.control.events import DomainEvent
from lakerun.store.attempts import AttemptRepository
from lakerun.store.secret_deletions import SecretDeletionRepository

log = logging.getLogger(__name__)
FINAL_EVENTS = ("run.completed", "run.failed", "run.cancelled")
MAX_BACKOFF = 300.0
"""Longest wait, in seconds, between two tries at deleting one secret."""
SWEEP_INTERVAL = 1.0
"""Seconds between looks at the pending deletions when no attempt ended meanwhile."""


class SecretJanitor(LoopThread):
    """Deletes the secrets of ended attempts queued in the store, on its own daemon thread, with backoff."""

    thread_name = "lakerun-janitor"
    interval = SWEEP_INTERVAL
    retry_seconds = SWEEP_INTERVAL

    def __init__(self, ctx: ControlContext) -> None:
        super().__init__()
        self.ctx = ctx

    def on_event(self, event: DomainEvent) -> None:
        """Sweeps now when an attempt has just ended (its deletion was queued with its end)."""
        if event.type in FINAL_EVENTS:
            self.wake()

    def step(self) -> None:
        """One sweep (pending deletions an earlier process left are taken up by the first)."""
        self.sweep()

    def sweep(self) -> int:
        """Tries every due deletion once; returns how many are done."""
        with self.ctx.sessions() as session:
            due = SecretDeletionRepository(session).due()
        done = 0
        for attempt_id in due:
            if self.stopping:
                break
            done += self._try(attempt_id)
        return done

    def _try(self, attempt_id: str) -> bool:
        """One try at one deletion: forgotten when done, due again later (backing off) when it failed.

        The queue row is forgotten under the attempt's lock, and only if no run was recorded for the
        attempt since this try began: a launch in flight when the attempt ended places the secret and
        records its run afterwards, and relies on this row (already queued) to have it deleted.
        """
        seen = self._run_id(attempt_id)
        error = self.delete_secret(attempt_id)
        with self.ctx.uow() as uow:
            queue = SecretDeletionRepository(uow.session)
            if error is None:
                attempt = AttemptRepository(uow.session).get(attempt_id, lock=True)
                if attempt is not None and attempt.run_id != seen:
                    self.wake()
                    return False
                queue.done(attempt_id)
                return True
            retry_in = min(MAX_BACKOFF, 0.5 * 2 ** min(queue.tries(attempt_id) + 1, 10))
            queue.failed(attempt_id, retry_in, error)
        log.warning("could not delete callback secret of attempt %s (will retry): %s", attempt_id, error)
        return False

    def _run_id(self, attempt_id: str) -> int | None:
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
            return attempt.run_id if attempt is not None else None

    def delete_secret(self, attempt_id: str) -> str | None:
        """Deletes the attempt's secret; None when it is gone (or never was), else what went wrong.

        The secret is placed before the run is submitted, so an attempt with no run may have one too (a
        launch refused or stopped after placing it): it is deleted whether a run was recorded or not.
        """
        if self.ctx.settings.callback_secret_delivery != "secret_scope":
            return None
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
        placement = self.ctx.secret_placement(attempt) if attempt is not None else None
        if attempt is None or placement is None:
            return None
        try:
            client = self.ctx.client(attempt.workspace_name)
            client.secrets.delete_secret(scope=placement.scope, key=placement.key)
        except errors.NotFound:
            pass
        except Exception as exc:
            return describe(exc)
        return None
