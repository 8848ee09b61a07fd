"""Removes an attempt's callback secret from the workspace once the attempt has ended (scopes hold ≤ 1000)."""

from __future__ import annotations

import logging

from databricks.sdk import errors

from lakerun.control.background import QueueWorker
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe
from lakerun.control.events import DomainEvent
from lakerun.store.attempts import AttemptRepository

log = logging.getLogger(__name__)
FINAL_EVENTS = ("run.completed", "run.failed", "run.cancelled")


class SecretJanitor(QueueWorker[str]):
    """A bus listener that deletes callback secrets of finished attempts on its own thread."""

    thread_name = "lakerun-janitor"

    def __init__(self, ctx: ControlContext) -> None:
        super().__init__()
        self.ctx = ctx

    def on_event(self, event: DomainEvent) -> None:
        """Queues the attempt of a final event when its secret lives in a scope."""
        if (
            event.type in FINAL_EVENTS
            and event.attempt_id
            and self.ctx.settings.callback_secret_delivery == "secret_scope"
        ):
            self.submit(event.attempt_id)

    def handle(self, item: str) -> None:
        """Deletes one finished attempt's secret."""
        self.delete_secret(item)

    def delete_secret(self, attempt_id: str) -> None:
        """Deletes the attempt's secret; a secret already gone is fine, other errors are logged."""
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
        placement = self.ctx.secret_placement(attempt) if attempt is not None and attempt.run_id else None
        if attempt is None or placement is None:
            return
        try:
            client = self.ctx.client(attempt.workspace_name)
            client.secrets.delete_secret(scope=placement.scope, key=placement.key)
        except errors.NotFound:
            pass
        except Exception as exc:
            log.warning("could not delete callback secret of attempt %s: %s", attempt_id, describe(exc))
