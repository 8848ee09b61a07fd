"""A callback secret is deleted even when the janitor looks at its attempt while the attempt's run is recorded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from lakerun.control.janitor import SecretJanitor
from tests.server.conftest import python_task, running_stack, workspace_with_faults
from tests.server.test_secret_janitor import secret_keys
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow
SLOW_SUBMIT_MS = 2500


def test_a_run_recorded_while_the_janitor_settles_its_cancelled_attempt_still_has_its_secret_deleted(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attempt is cancelled while runs/submit is in flight; the janitor's first look (no run yet) is held
    until the launcher has recorded the run, so the janitor settles the queue row the recording relied on.
    """
    recorded = threading.Event()
    held: list[str] = []
    delete_secret = SecretJanitor.delete_secret

    def held_until_recorded(janitor: SecretJanitor, attempt_id: str) -> str | None:
        error = delete_secret(janitor, attempt_id)
        if not held:
            held.append(attempt_id)
            assert recorded.wait(60), "the run was never recorded"
        return error

    monkeypatch.setattr(SecretJanitor, "delete_secret", held_until_recorded)
    faults = [{"kind": "latency", "path": "jobs/runs/submit", "latency_ms": SLOW_SUBMIT_MS}]
    with (
        workspace_with_faults(tmp_path / "slow", faults) as workspace,
        running_stack(
            database_url, tmp_path / "home", workspace, monkeypatch, callback_secret_delivery="secret_scope"
        ) as stack,
    ):
        client = WorkspaceClient(host=workspace.url, token=workspace.token)
        attempt = stack.trigger(subject_key="janitor-race", tasks=[python_task("sleep")])
        eventually(
            lambda: stack.plane.runs.launcher.held() >= 1, timeout=120, what="the launch never started"
        )
        assert stack.api.post(f"/v1/runs/{attempt['id']}/cancel").json()["status"] == "CANCELLED"
        eventually(lambda: held, timeout=60, what="the janitor never looked at the cancelled attempt")
        eventually(
            lambda: stack.api.get(f"/v1/runs/{attempt['id']}").json()["run_id"],
            timeout=120,
            what="the started run was never recorded",
        )
        recorded.set()
        left = eventually(
            lambda: secret_keys(client), lambda keys: not keys, timeout=60, what="the callback secret deleted"
        )
    assert held == [attempt["id"]]
    assert left == []


def test_a_launch_refused_after_its_secret_was_placed_leaves_no_secret_behind(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """runs/submit answers 400 (a final refusal) once the callback secret is in its scope: the attempt fails
    with no run, and its secret is deleted all the same.
    """
    faults = [{"kind": "error", "status": 400, "path": "jobs/runs/submit"}]
    with (
        workspace_with_faults(tmp_path / "refusing", faults) as workspace,
        running_stack(
            database_url, tmp_path / "home", workspace, monkeypatch, callback_secret_delivery="secret_scope"
        ) as stack,
    ):
        client = WorkspaceClient(host=workspace.url, token=workspace.token)
        attempt = stack.trigger(subject_key="refused-launch", tasks=[python_task()])
        final = stack.wait(attempt["id"], timeout=60)
        left = eventually(
            lambda: secret_keys(client), lambda keys: not keys, timeout=30, what="the callback secret deleted"
        )
    assert final["status"] == "FAILED" and final["run_id"] is None
    assert left == []
