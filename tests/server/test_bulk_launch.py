"""A bulk trigger answers once its attempts are stored; the launches go on in the background."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import python_task, running_stack, workspace_with_faults

pytestmark = pytest.mark.slow
SLOW_SUBMIT_MS = 5000


@pytest.fixture
def slow_workspace(tmp_path: Path) -> Iterator[Any]:
    """A workspace whose runs/submit answers only after SLOW_SUBMIT_MS: a launch cannot finish sooner."""
    faults = [{"kind": "latency", "path": "jobs/runs/submit", "latency_ms": SLOW_SUBMIT_MS}]
    with workspace_with_faults(tmp_path / "slow", faults) as running:
        yield running


def test_bulk_answers_before_the_workspace_does_and_every_attempt_still_runs(
    database_url: str, tmp_path: Path, slow_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_stack(database_url, tmp_path / "home", slow_workspace, monkeypatch) as stack:
        items = [{"subject_key": f"bulk-{n}", "tasks": [python_task()]} for n in range(4)]
        items.append({"subject_key": "nowhere", "workspace": "mars", "tasks": [python_task()]})
        results = stack.api.post("/v1/runs/bulk", json={"items": items}).json()
        assert "mars" in results[-1]["error"]
        stored = [r["attempt"] for r in results[:4]]
        assert {(a["status"], a["run_id"]) for a in stored} == {("CREATING", None)}
        finished = [stack.wait(a["id"], timeout=120) for a in stored]
        assert {f["status"] for f in finished} == {"SUCCESS"}
        assert len({f["run_id"] for f in finished}) == 4
