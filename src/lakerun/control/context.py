"""What every control-plane service shares: settings, database sessions, event bus and workspace clients."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from databricks.sdk import WorkspaceClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lakerun.control.callbacks import attempt_secret
from lakerun.control.events import EventBus
from lakerun.control.isolation import WorkspaceGates
from lakerun.control.launch import SecretPlacement
from lakerun.control.settings import ControlSettings
from lakerun.control.uow import UnitOfWork
from lakerun.control.workspaces import ClientCache, WorkspaceNotFoundError
from lakerun.store.models import AttemptRow
from lakerun.store.records import WorkspaceRepository


@dataclass
class ControlContext:
    """The shared parts of one control plane; services receive it instead of globals."""

    settings: ControlSettings
    engine: Engine
    sessions: sessionmaker[Session]
    bus: EventBus
    clients: ClientCache
    server_key: bytes
    origin: str
    gates: WorkspaceGates

    def uow(self) -> UnitOfWork:
        """A new unit of work (one transaction, effects after commit)."""
        return UnitOfWork(self.sessions, self.bus, self.origin)

    def client(self, workspace: str) -> WorkspaceClient:
        """The SDK client of a registered workspace."""
        with self.sessions() as session:
            row = WorkspaceRepository(session).get(workspace)
        if row is None:
            raise WorkspaceNotFoundError(f"no workspace registered as {workspace!r}")
        return self.clients.client(row)

    def callback_for(self, attempt: AttemptRow) -> dict[str, str] | None:
        """The callback settings handed to the attempt's tasks, or None when callbacks are off.

        With `secret_scope` delivery the task gets only a `scope/key` reference to its secret.
        """
        if not attempt.callbacks:
            return None
        settings = {
            "lakerun_attempt_id": attempt.id,
            "lakerun_callback_url": f"{self.settings.public_url.rstrip('/')}/v1/attempts/{attempt.id}/events",
        }
        placement = self.secret_placement(attempt)
        if placement is None:
            return {**settings, "lakerun_callback_secret": attempt_secret(self.server_key, attempt.id)}
        return {**settings, "lakerun_callback_secret_ref": f"{placement.scope}/{placement.key}"}

    def secret_placement(self, attempt: AttemptRow) -> SecretPlacement | None:
        """Where the attempt's callback secret goes in the workspace, when secrets are delivered by scope."""
        if not attempt.callbacks or self.settings.callback_secret_delivery != "secret_scope":
            return None
        secret = attempt_secret(self.server_key, attempt.id)
        return SecretPlacement(self.secret_scope_of(attempt.id), f"callback-{attempt.id}", secret)

    def secret_scope_of(self, attempt_id: str) -> str:
        """The scope of an attempt's callback secret: a stable shard, so no scope nears its 1000-key limit."""
        shard = zlib.crc32(attempt_id.encode()) % self.settings.callback_secret_scopes
        return f"{self.settings.callback_secret_scope}-{shard}"
