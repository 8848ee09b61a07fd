"""A workspace answering 20% 429/5xx: every attempt still reaches its true state with one run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from tests.server.conftest import TERMINAL, build_stack, python_task, workspace_with_faults
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


def all_runs(client: WorkspaceClient) -> list[Any]:
    return eventually(
        lambda: list(client.jobs.list_runs()),
        lambda runs: True,
        interval=0.1,
        ignoring=(Exception,),
        what="a list of runs through the faulty workspace",
    )


@pytest.fixture
def faulty_workspace(tmp_path: Path) -> Iterator[Any]:
    faults = [
        {"kind": "error", "status": 429, "rate": 0.1, "retry_after": 0},
        {"kind": "error", "status": 500, "rate": 0.05},
        {"kind": "error", "status": 503, "rate": 0.05, "retry_after": 0},
    ]
    with workspace_with_faults(tmp_path / "faulty", faults) as running:
        yield running


def test_every_attempt_reaches_its_true_state_despite_injected_faults(
    database_url: str, tmp_path: Path, faulty_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = build_stack(database_url, tmp_path / "home", faulty_workspace, monkeypatch)
    expected = {}
    try:
        for number in range(12):
            mode = "crash" if number % 3 == 0 else "ok"
            run = stack.trigger(
                subject_key=f"faulty-{number}",
                strategy="job_per_attempt" if number % 2 else "one_time",
                tasks=[python_task(mode)],
                callbacks=number % 3 != 1,
            )
            expected[run["id"]] = "FAILED" if mode == "crash" else "SUCCESS"
        finished = {a: stack.wait(a, timeout=120)["status"] for a in expected}
        client = WorkspaceClient(host=faulty_workspace.url, token=faulty_workspace.token)
        runs = all_runs(client)
    finally:
        stack.api.close()
        stack.server.stop()
        stack.plane.stop()
    injected = sum(faulty_workspace.server.config.app.state.faults._fired)
    assert injected >= 3, "the workspace injected too few faults for this test to mean anything"
    assert finished == expected
    assert set(finished.values()) <= TERMINAL
    assert len(runs) == len(expected)
