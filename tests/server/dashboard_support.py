"""Helpers for dashboard tests: a control plane served without background loops, and attempts put in any state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from lakerun.control.attempts import TriggerRequest, create_attempt, move, publish
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.status import Source, Status
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.local.server import free_port
from lakerun.server.app import create_app
from lakerun.server.serve import RunningServer, start_in_thread
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import SubjectRow, utcnow

PATHS = {
    Status.CREATING: [],
    Status.QUEUED: [Status.QUEUED],
    Status.RUNNING: [Status.QUEUED, Status.RUNNING],
}


@dataclass
class Dashboard:
    """A served control plane whose attempts only change when a test moves them."""

    plane: ControlPlane
    server: RunningServer
    token: str

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, logged_in: bool = True) -> httpx.Client:
        """A browser-like client: same-origin header, cookies kept, redirects not followed."""
        client = httpx.Client(base_url=self.url, headers={"Origin": self.url}, timeout=30)
        if logged_in:
            response = client.post("/login", data={"token": self.token})
            assert response.status_code == 303, response.text
        return client

    def attempt(self, key: str, kind: str = "flow", status: Status = Status.CREATING, **change: Any) -> str:
        """Creates an attempt of `kind/key`, moves it to `status` and applies `change` to its row."""
        request = TriggerRequest(subject_key=key, subject_kind=kind, tasks=[{"task_key": "main"}])
        with self.plane.ctx.uow() as uow:
            row, _ = create_attempt(uow, request, utcnow() + timedelta(hours=1), False)
            for step in PATHS.get(status, [Status.QUEUED, Status.RUNNING, status]):
                error = "boom: it broke" if step == Status.FAILED else None
                move(uow, row, step, Source.POLL, error=error)
            for name, value in change.items():
                setattr(row, name, value)
            return row.id

    def progress(self, attempt_id: str, task: str, message: str, fraction: float) -> None:
        """Publishes a progress event the way a task callback would."""
        with self.plane.ctx.uow() as uow:
            row = AttemptRepository(uow.session).get(attempt_id)
            assert row is not None
            row.progress = fraction
            publish(
                uow,
                "run.progress",
                row,
                uow.session.get(SubjectRow, row.subject_id),
                task=task,
                message=message,
            )


def serve_dashboard(home: Path, database_url: str | None = None) -> Dashboard:
    """A control plane (SQLite under `home` unless a URL is given), served on a free port, no reconciler running."""
    port = free_port()
    settings = ControlSettings(
        home=home,
        database_url=database_url,
        server_key="dashboard-key",
        public_url=f"http://127.0.0.1:{port}",
    )
    plane = ControlPlane(settings)
    plane.register_workspace(WorkspaceSpec(name="local", host="http://127.0.0.1:9", token_ref="env:HOME"))
    server = start_in_thread(create_app(settings, plane, heartbeat_seconds=0.5), plane, "127.0.0.1", port)
    return Dashboard(plane, server, issue_token(plane.ctx, "dashboard-tests"))
