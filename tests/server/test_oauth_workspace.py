"""The control plane against a workspace reached by OAuth M2M: runs succeed and the client secret stays a reference."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lakerun.local.config import WorkspaceConfig
from lakerun.local.server import RunningWorkspace, free_port, start_in_thread
from lakerun.store.db import make_engine
from lakerun.store.tables import metadata
from tests.server.conftest import Stack, python_task, running_stack

pytestmark = pytest.mark.slow

CLIENT_ID = "control-plane-sp"
SECRET = f"dose-{uuid.uuid4().hex}"
SECRET_VAR = "LAKERUN_TEST_OAUTH_SECRET"


def oauth_workspace_config(root: Path, port: int | None = None) -> WorkspaceConfig:
    """A workspace whose PAT the control plane is never given for the `oauth` registration."""
    return WorkspaceConfig(root=root, port=port or free_port(), oauth_clients={CLIENT_ID: SECRET})


@pytest.fixture
def oauth_workspace(tmp_path: Path) -> Iterator[RunningWorkspace]:
    running = start_in_thread(oauth_workspace_config(tmp_path / "oauth-ws"))
    yield running
    running.stop()


@pytest.fixture
def stack(
    database_url: str, tmp_path: Path, oauth_workspace: RunningWorkspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    with running_stack(database_url, tmp_path / "home", oauth_workspace, monkeypatch) as built:
        yield built


def register_oauth(
    stack: Stack, host: str, name: str = "oauth", secret_var: str = SECRET_VAR
) -> dict[str, Any]:
    body = {
        "name": name,
        "host": host,
        "auth_type": "oauth-m2m",
        "client_id": CLIENT_ID,
        "client_secret_ref": f"env:{secret_var}",
    }
    response = stack.api.post("/v1/workspaces", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def stored_text(database_url: str) -> str:
    """Every value of every control-plane table, as one string to search."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = [row for table in metadata.sorted_tables for row in conn.execute(select(table))]
    finally:
        engine.dispose()
    return "\n".join(repr(tuple(row)) for row in rows)


def sqlite_files(database_url: str) -> bytes:
    """The raw bytes of a SQLite database and its journal files (nothing for PostgreSQL)."""
    if not database_url.startswith("sqlite:///"):
        return b""
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(file.read_bytes() for file in path.parent.glob(f"{path.name}*"))


def test_run_through_an_oauth_workspace_succeeds_and_the_secret_is_never_stored(
    stack: Stack, database_url: str
) -> None:
    registered = register_oauth(stack, stack.workspace.url)
    assert registered["client_secret_ref"] == f"env:{SECRET_VAR}"
    attempt = stack.trigger(
        workspace="oauth", subject_key="oauth-flow", strategy="one_time", tasks=[python_task()]
    )
    run = stack.wait(attempt["id"])
    assert run["status"] == "SUCCESS", run
    assert run["workspace"] == "oauth" and run["result"] == {"rows": 42}
    workspaces = stack.api.get("/v1/workspaces")
    health = {w["name"]: w["health"] for w in workspaces.json()}
    assert health["oauth"]["ok"] is True, health
    answers = [
        str(registered),
        str(attempt),
        str(run),
        workspaces.text,
        stack.api.get("/v1/runs").text,
        stack.api.get(f"/v1/runs/{attempt['id']}").text,
    ]
    assert all(SECRET not in answer for answer in answers)
    assert SECRET not in stored_text(database_url)
    assert SECRET.encode() not in sqlite_files(database_url)


def test_wrong_client_secret_fails_the_attempt_with_the_oauth_error(
    stack: Stack, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = f"dose-wrong-{uuid.uuid4().hex}"
    monkeypatch.setenv("LAKERUN_TEST_WRONG_SECRET", wrong)
    register_oauth(stack, stack.workspace.url, name="oauth-wrong", secret_var="LAKERUN_TEST_WRONG_SECRET")
    attempt = stack.trigger(workspace="oauth-wrong", subject_key="bad-secret", tasks=[python_task()])
    run = stack.wait(attempt["id"])
    assert run["status"] == "FAILED"
    assert "invalid_client" in (run["error"] or ""), run
    health = {w["name"]: w["health"] for w in stack.api.get("/v1/workspaces").json()}
    assert health["oauth-wrong"]["ok"] is False and "invalid_client" in health["oauth-wrong"]["error"]
    assert wrong not in str(run) and wrong not in str(health)
    assert wrong not in stored_text(database_url)


def test_oauth_workspace_down_at_launch_is_retried_once_it_answers(
    database_url: str, tmp_path: Path, oauth_workspace: RunningWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    # A short SDK retry budget, so each launch against the missing workspace gives up in seconds.
    overrides = {"workspace_retry_seconds": 2}
    with running_stack(database_url, tmp_path / "home", oauth_workspace, monkeypatch, **overrides) as stack:
        run = _run_while_the_workspace_comes_up(stack, tmp_path)
    assert run["status"] == "SUCCESS", run


def _run_while_the_workspace_comes_up(stack: Stack, tmp_path: Path) -> dict[str, Any]:
    """Triggers on a registered workspace that is not up yet, sees the launch deferred, then starts it."""
    port = free_port()
    register_oauth(stack, f"http://127.0.0.1:{port}", name="oauth-late")
    attempt = stack.trigger(workspace="oauth-late", subject_key="late", tasks=[python_task()])
    waiting = stack.wait(
        attempt["id"], until=lambda run: bool(run["status_message"]) or run["status"] != "CREATING"
    )
    assert waiting["status"] == "CREATING", waiting
    assert "launch will be retried" in waiting["status_message"]
    late = start_in_thread(oauth_workspace_config(tmp_path / "late-ws", port))
    try:
        return stack.wait(attempt["id"], timeout=120)
    finally:
        late.stop()
