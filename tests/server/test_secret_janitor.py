"""Callback secrets live in sharded scopes and are deleted even when the workspace refuses the first tries."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx
import pytest
from databricks.sdk import WorkspaceClient

from lakerun.local.server import free_port
from tests.server.conftest import TERMINAL, python_task, running_stack, workspace_with_faults
from tests.server.serving import clean_env, serve_process
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


def test_a_failed_secret_deletion_is_retried_until_the_secret_is_gone(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusals = [{"kind": "error", "status": 500, "path": "secrets/delete", "times": 3}]
    with (
        workspace_with_faults(tmp_path / "refusing", refusals) as workspace,
        running_stack(
            database_url, tmp_path / "home", workspace, monkeypatch, callback_secret_delivery="secret_scope"
        ) as stack,
    ):
        runs = [stack.trigger(subject_key=f"secret-{n}", tasks=[python_task()]) for n in range(3)]
        finished = [stack.wait(run["id"], timeout=90) for run in runs]
        client = WorkspaceClient(host=workspace.url, token=workspace.token)
        scopes = {stack.plane.ctx.secret_scope_of(run["id"]) for run in runs}
        left = eventually(
            lambda: [s.key for scope in scopes for s in client.secrets.list_secrets(scope=scope)],
            lambda keys: not keys,
            interval=0.2,
            what="the callback secrets deleted",
        )
        fired = sum(workspace.server.config.app.state.faults._fired)
    assert {run["status"] for run in finished} == {"SUCCESS"}
    assert fired == 3, "the workspace refused the first deletions"
    assert left == []
    assert all(scope.startswith("lakerun-callbacks-") for scope in scopes)


def test_callback_secrets_spread_over_scopes_that_stay_far_below_their_key_limit(tmp_path: Path) -> None:
    import uuid

    from lakerun.control.plane import ControlPlane
    from lakerun.control.settings import ControlSettings

    plane = ControlPlane(ControlSettings(home=tmp_path, server_key="k"))
    try:
        counts: dict[str, int] = {}
        for _ in range(10_000):
            scope = plane.ctx.secret_scope_of(str(uuid.uuid4()))
            counts[scope] = counts.get(scope, 0) + 1
    finally:
        plane.stop()
    assert len(counts) == plane.ctx.settings.callback_secret_scopes
    assert max(counts.values()) < 1000


def served_config(database_url: str, workspace_url: str) -> str:
    return f"""
database_url = "{database_url}"
reconcile_interval = 0.5
callback_secret_delivery = "secret_scope"

[[workspaces]]
name = "local"
host = "{workspace_url}"
token = "env:LOCAL_WS_TOKEN"
"""


def test_secret_deletions_left_pending_by_a_killed_server_are_done_after_its_restart(
    database_url: str, tmp_path: Path
) -> None:
    """The workspace refuses every deletion until the server is killed (-9); the restarted server deletes them."""
    refusals = [{"kind": "error", "status": 500, "path": "secrets/delete"}]
    with workspace_with_faults(tmp_path / "refusing", refusals) as workspace:
        client = WorkspaceClient(host=workspace.url, token=workspace.token)
        faults = workspace.server.config.app.state.faults
        port = free_port()
        env = clean_env(
            LOCAL_WS_TOKEN=workspace.token,
            LAKERUN_API_TOKEN="lrk_janitor-test-token",
            LAKERUN_PORT=str(port),
            LAKERUN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        config = served_config(database_url, workspace.url)
        with serve_process(tmp_path / "cp", config, env=env) as served:
            api = httpx.Client(
                base_url=served.url, headers={"Authorization": "Bearer lrk_janitor-test-token"}, timeout=60
            )
            body = {"tasks": [python_task()]}
            ids = [
                api.post("/v1/runs", json={"subject_key": f"kept-{n}", **body}).json()["id"] for n in range(3)
            ]
            for attempt_id in ids:
                eventually(
                    partial(status_of, api, attempt_id), lambda status: status in TERMINAL, timeout=120
                )
            eventually(
                lambda: sum(faults._fired) >= 2 * len(ids),
                timeout=120,
                what="the deletions were never tried twice",
            )
            served.process.kill()
            served.process.wait(timeout=30)
        left = secret_keys(client)
        assert len(left) == len(ids), "the killed server could not delete them"
        faults.rules = []
        with serve_process(tmp_path / "cp", config, env=env):
            eventually(
                lambda: not secret_keys(client), timeout=120, what="secrets left pending were never deleted"
            )
    assert {f"callback-{a}" for a in ids} == set(left)


def status_of(api: httpx.Client, attempt_id: str) -> str:
    """The attempt's status as the API answers it now."""
    status: str = api.get(f"/v1/runs/{attempt_id}").json()["status"]
    return status


def secret_keys(client: WorkspaceClient) -> list[str]:
    return [
        s.key or ""
        for scope in client.secrets.list_scopes()
        for s in client.secrets.list_secrets(scope.name or "")
    ]
