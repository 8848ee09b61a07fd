"""A repair the workspace refuses leaves nothing behind and answers 409 naming the workspace's reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from tests.server.conftest import Stack, python_task, running_stack
from tests.server.test_cancel_in_flight import signed_event, wait_for
from tests.server.test_resilience import all_runs

pytestmark = pytest.mark.slow


def failed_while_its_run_goes_on(stack: Stack, subject: str) -> dict[str, Any]:
    """An attempt whose task reported failure while its run is still active: the workspace cannot repair it."""
    attempt = stack.trigger(subject_key=subject, tasks=[python_task("sleep")])
    wait_for(
        lambda: stack.api.get(f"/v1/runs/{attempt['id']}").json()["status"] == "RUNNING", "never started", 120
    )
    assert signed_event(stack, attempt["id"], 10_000, "failed", {"error": "gave up early"}) == 200
    failed = stack.api.get(f"/v1/runs/{attempt['id']}").json()
    assert failed["status"] == "FAILED", failed
    return dict(failed)


def repairs_in_workspace(client: WorkspaceClient, run_id: int) -> list[int]:
    run = client.jobs.get_run(run_id=run_id, include_history=True)
    return [h.id for h in run.repair_history or [] if h.type and h.type.value == "REPAIR" and h.id]


@pytest.fixture
def waiting_stack(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """A stack whose repair requests wait (generously, the machine may be loaded) for the workspace's answer."""
    with running_stack(
        database_url, tmp_path / "home", local_workspace, monkeypatch, repair_answer_wait=90
    ) as built:
        yield built


def test_a_repair_the_workspace_refuses_answers_409_with_its_reason_and_leaves_nothing(
    waiting_stack: Stack, ws_client: WorkspaceClient
) -> None:
    stack = waiting_stack
    failed = failed_while_its_run_goes_on(stack, "refused-repair")
    response = stack.api.post(f"/v1/runs/{failed['id']}/repair", json={})
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert "refused the repair" in detail and "still active" in detail, detail
    history = stack.api.get("/v1/subjects/default/refused-repair/history").json()
    assert [a["id"] for a in history["attempts"]] == [failed["id"]], "no repair attempt is kept"
    assert history["subject"]["total_attempts"] == 1
    listed = stack.api.get("/v1/runs", params={"subject_key": "refused-repair"}).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "FAILED"
    stack.plane.reconciler.run_pass()
    assert [r.run_id for r in all_runs(ws_client)] == [failed["run_id"]], "nothing was launched"
    assert repairs_in_workspace(ws_client, failed["run_id"]) == []
    stack.api.post(f"/v1/runs/{failed['id']}/cancel")


def test_a_refusal_after_the_answer_removes_the_repair_attempt_and_reading_it_names_why(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_stack(
        database_url, tmp_path / "home", local_workspace, monkeypatch, repair_answer_wait=0
    ) as stack:
        failed = failed_while_its_run_goes_on(stack, "refused-later")
        response = stack.api.post(f"/v1/runs/{failed['id']}/repair", json={})
        assert response.status_code == 201, response.text
        repair_id = response.json()["id"]
        gone = wait_for(
            lambda: stack.api.get(f"/v1/runs/{repair_id}").status_code == 404,
            "the refused repair stayed",
            120,
        )
        assert gone
        detail = stack.api.get(f"/v1/runs/{repair_id}").json()["detail"]
        assert "refused its repair" in detail and "still active" in detail, detail
        history = stack.api.get("/v1/subjects/default/refused-later/history").json()
        assert [a["id"] for a in history["attempts"]] == [failed["id"]]
        stack.api.post(f"/v1/runs/{failed['id']}/cancel")
