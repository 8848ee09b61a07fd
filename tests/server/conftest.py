"""End-to-end fixtures: a real local workspace, a control plane served over HTTP, and an API client."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.server.app import create_app
from lakerun.server.serve import RunningServer, start_in_thread
from tests.store.databases import database_url, postgres_database, sqlite_template
from tests.support.eventually import eventually

__all__ = ["database_url", "postgres_database", "sqlite_template"]
TASK_SCRIPT = str(Path(__file__).with_name("task_script.py"))
TERMINAL = {"SUCCESS", "FAILED", "CANCELLED", "TIMEDOUT", "SKIPPED"}


@dataclass
class Stack:
    """A control plane in front of a local workspace, with an authenticated API client."""

    plane: ControlPlane
    server: RunningServer
    api: httpx.Client
    token: str
    workspace: Any

    def trigger(self, **body: Any) -> dict[str, Any]:
        response = self.api.post("/v1/runs", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def wait(
        self, attempt_id: str, until: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 60
    ) -> dict[str, Any]:
        """Polls the run detail until `until` holds (default: a terminal status)."""
        until = until or (lambda run: run["status"] in TERMINAL)
        return eventually(
            lambda: dict(self.api.get(f"/v1/runs/{attempt_id}").json()),
            until,
            timeout=timeout,
            interval=0.1,
            what=f"attempt {attempt_id}",
        )


def python_task(mode: str = "ok", key: str = "main") -> dict[str, Any]:
    """A spark_python_task running the test task script."""
    return {
        "task_key": key,
        "spark_python_task": {"python_file": TASK_SCRIPT, "parameters": [f"--mode={mode}"]},
    }


def build_stack(
    url: str, home: Path, workspace: Any, monkeypatch: pytest.MonkeyPatch, **overrides: Any
) -> Stack:
    """A started stack; callback secrets travel as task arguments (faster tasks) unless overridden."""
    from lakerun.local.server import free_port

    overrides = {"callback_secret_delivery": "parameter", "secret_refs_allowed": ["env:*"], **overrides}
    monkeypatch.setenv("LAKERUN_TEST_LOCAL_TOKEN", workspace.token)
    port = free_port()
    settings = ControlSettings(
        home=home,
        database_url=url,
        server_key="e2e-key",
        public_url=f"http://127.0.0.1:{port}",
        reconcile_interval=0.3,
        launch_grace=0.5,
        cancel_confirm_timeout=30,
        **overrides,
    )
    plane = ControlPlane(settings)
    plane.register_workspace(
        WorkspaceSpec(name="local", host=workspace.url, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN")
    )
    plane.start()
    server = start_in_thread(create_app(settings, plane, heartbeat_seconds=0.5), plane, "127.0.0.1", port)
    token = issue_token(plane.ctx, "tests")
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return Stack(plane, server, api, token, workspace)


@contextmanager
def running_stack(
    url: str, home: Path, workspace: Any, monkeypatch: pytest.MonkeyPatch, **overrides: Any
) -> Iterator[Stack]:
    """A started stack, stopped (client, server, plane) when the block ends."""
    built = build_stack(url, home, workspace, monkeypatch, **overrides)
    try:
        yield built
    finally:
        built.api.close()
        built.server.stop()
        built.plane.stop()


@contextmanager
def workspace_with_faults(root: Path, faults: list[dict[str, Any]]) -> Iterator[Any]:
    """A local workspace that misbehaves as `faults` say (429s, 5xx, latency), stopped when the block ends."""
    from lakerun.local.config import WorkspaceConfig
    from lakerun.local.server import free_port, start_in_thread

    running = start_in_thread(WorkspaceConfig(root=root, port=free_port(), faults=faults))
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def sqlite_stack(
    template: Path, tmp_path: Path, workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """A running stack on a copy of the migrated SQLite template (tests that need no PostgreSQL run)."""
    database = tmp_path / "control.db"
    shutil.copy(template, database)
    with running_stack(f"sqlite:///{database}", tmp_path / "home", workspace, monkeypatch) as built:
        yield built


@pytest.fixture
def stack(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """The whole path: API → control plane → SDK → local workspace → task → signed callback."""
    with running_stack(database_url, tmp_path / "home", local_workspace, monkeypatch) as built:
        yield built


@pytest.fixture
def scoped_stack(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """The stack with the default secret delivery: callback secrets in a workspace secret scope."""
    overrides = {"callback_secret_delivery": "secret_scope"}
    with running_stack(database_url, tmp_path / "home", local_workspace, monkeypatch, **overrides) as built:
        yield built


def browser_client(stack: Stack, origin: str | None = None) -> httpx.Client:
    """An HTTP client logged in to the dashboard as a browser is (cookie, same-site Origin header).

    `origin` then replaces the Origin header, to check that other sites are refused.
    """
    client = httpx.Client(base_url=stack.server.url, headers={"Origin": stack.server.url}, timeout=90)
    assert client.post("/login", data={"token": stack.token}).status_code == 303
    if origin:
        client.headers["Origin"] = origin
    return client
