"""Removes an attempt's callback secret once the attempt has ended, retrying until the workspace confirms.

Secrets are spread over several scopes (see `ControlContext.secret_scope_of`): a scope holds 1000 keys.
"""

from __future__ import annotations

import logging
import threading

from databricks.sdk import errors

from lakerun.control.background import QueueWorker
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe
from lakerun.control.events import DomainEvent
from lakerun.store.attempts import AttemptRepository

log = logging.getLogger(__name__)
FINAL_EVENTS = ("run.completed", "run.failed", "run.cancelled")
MAX_BACKOFF = 300.0
"""Longest wait, in seconds, between two tries at deleting one secret."""


class SecretJanitor(QueueWorker[str]):
    """A bus listener that deletes callback secrets of finished attempts on its own thread."""

    thread_name = "lakerun-janitor"

    def __init__(self, ctx: ControlContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}

    def on_event(self, event: DomainEvent) -> None:
        """Queues the attempt of a final event when its secret lives in a scope."""
        if (
            event.type in FINAL_EVENTS
            and event.attempt_id
            and self.ctx.settings.callback_secret_delivery == "secret_scope"
        ):
            self.submit(event.attempt_id)

    def handle(self, item: str) -> None:
        """Deletes one finished attempt's secret, trying again later (backing off) until it is gone."""
        if self.delete_secret(item):
            with self._lock:
                self._failures.pop(item, None)
            return
        with self._lock:
            failures = self._failures[item] = self._failures.get(item, 0) + 1
        retry = threading.Timer(min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 10)), self.submit, args=(item,))
        retry.daemon = True
        retry.start()

    def delete_secret(self, attempt_id: str) -> bool:
        """Deletes the attempt's secret; True when it is gone (or never was), False when the call failed."""
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
        placement = self.ctx.secret_placement(attempt) if attempt is not None and attempt.run_id else None
        if attempt is None or placement is None:
            return True
        try:
            client = self.ctx.client(attempt.workspace_name)
            client.secrets.delete_secret(scope=placement.scope, key=placement.key)
        except errors.NotFound:
            pass
        except Exception as exc:
            log.warning(
                "could not delete callback secret of attempt %s (will retry): %s", attempt_id, describe(exc)
            )
            return False
        return True
