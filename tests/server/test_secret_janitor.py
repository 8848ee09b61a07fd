"""Callback secrets live in sharded scopes and are deleted even when the workspace refuses the first tries."""

from __future__ import annotations

from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from tests.server.conftest import python_task, running_stack, workspace_with_faults
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
