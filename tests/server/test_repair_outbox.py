"""Repairs go through the launch outbox: refused ones leave nothing, slow ones repair the run exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from tests.server.conftest import TASK_SCRIPT, Stack, running_stack, workspace_with_faults
from tests.server.test_resilience import all_runs

pytestmark = pytest.mark.slow


def failing_once(flag: Path) -> dict[str, Any]:
    """A task that crashes on its first run and succeeds when repaired."""
    parameters = ["--mode=ok", f"--fail-once={flag}"]
    return {"task_key": "main", "spark_python_task": {"python_file": TASK_SCRIPT, "parameters": parameters}}


def failed_attempt(stack: Stack, flag: Path, subject: str) -> dict[str, Any]:
    run = stack.trigger(subject_key=subject, tasks=[failing_once(flag)], callbacks=False)
    failed = stack.wait(run["id"], timeout=90)
    assert failed["status"] == "FAILED", failed
    return failed


def test_a_repair_naming_an_unknown_task_is_refused_and_leaves_nothing(
    stack: Stack, tmp_path: Path, ws_client: WorkspaceClient
) -> None:
    failed = failed_attempt(stack, tmp_path / "flag", "repair-unknown")
    response = stack.api.post(f"/v1/runs/{failed['id']}/repair", json={"tasks": ["no-such-task"]})
    assert response.status_code == 422 and "no-such-task" in response.json()["detail"]
    history = stack.api.get("/v1/subjects/default/repair-unknown/history").json()
    assert [a["id"] for a in history["attempts"]] == [failed["id"]]
    stack.plane.reconciler.run_pass()
    assert len(all_runs(ws_client)) == 1, "nothing was launched for the refused repair"


def test_a_repair_slower_than_the_launch_grace_repairs_the_run_once(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = [{"kind": "latency", "path": "jobs/runs/repair", "latency_ms": 3000}]
    with (
        workspace_with_faults(tmp_path / "slow", slow) as workspace,
        running_stack(database_url, tmp_path / "home", workspace, monkeypatch, repair_answer_wait=0) as stack,
    ):
        failed = failed_attempt(stack, tmp_path / "flag", "repair-slow")
        response = stack.api.post(f"/v1/runs/{failed['id']}/repair", json={})
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "CREATING", "the repair is queued, not awaited"
        again = stack.api.post(f"/v1/runs/{failed['id']}/repair", json={})
        assert again.status_code == 409, "a second repair while the first is under way is refused"
        repaired = stack.wait(response.json()["id"], timeout=90)
        client = WorkspaceClient(host=workspace.url, token=workspace.token)
        run = client.jobs.get_run(run_id=failed["run_id"], include_history=True)
        runs = all_runs(client)
        history = stack.api.get("/v1/subjects/default/repair-slow/history").json()["attempts"]
        recorded = stack.plane.runs.get(repaired["id"]).repair_id
    assert repaired["status"] == "SUCCESS" and repaired["run_id"] == failed["run_id"]
    repairs = [h for h in run.repair_history or [] if h.type and h.type.value == "REPAIR"]
    assert [h.id for h in repairs] == [recorded]
    assert [r.run_id for r in runs] == [failed["run_id"]], "the repair attempt was never launched as a run"
    assert len(history) == 2


def test_a_repair_the_workspace_made_but_no_attempt_recorded_is_adopted(
    stack: Stack, tmp_path: Path, ws_client: WorkspaceClient
) -> None:
    failed = failed_attempt(stack, tmp_path / "flag", "repair-adopted")
    unrecorded = ws_client.jobs.repair_run(run_id=failed["run_id"], rerun_all_failed_tasks=True).response
    response = stack.api.post(f"/v1/runs/{failed['id']}/repair", json={})
    assert response.status_code == 201, response.text
    repaired = stack.wait(response.json()["id"], timeout=90)
    run = ws_client.jobs.get_run(run_id=failed["run_id"], include_history=True)
    repairs = [h.id for h in run.repair_history or [] if h.type and h.type.value == "REPAIR"]
    assert repaired["status"] == "SUCCESS"
    assert repairs == [unrecorded.repair_id] == [stack.plane.runs.get(repaired["id"]).repair_id]  # type: ignore[attr-defined]
