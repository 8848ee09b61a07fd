"""The run page's buttons against a real local workspace: cancel waits for the end, repair re-runs the chosen task."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import Stack, browser_client, python_task
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]
pytestmark = pytest.mark.slow


def test_cancel_button_lands_on_the_confirmed_cancelled_run(stack: Stack) -> None:
    run = stack.trigger(subject_key="long", tasks=[python_task("sleep")])
    stack.wait(run["id"], until=lambda r: r["status"] == "RUNNING")
    response = browser_client(stack).post(f"/runs/{run['id']}/cancel")
    assert response.headers["location"] == f"/runs/{run['id']}"
    assert stack.api.get(f"/v1/runs/{run['id']}").json()["status"] == "CANCELLED"
    again = browser_client(stack).post(f"/runs/{run['id']}/cancel", follow_redirects=True)
    assert "already CANCELLED" in again.text


def test_repair_button_reruns_only_the_ticked_task(stack: Stack, tmp_path: Path) -> None:
    flag = tmp_path / "failed-once"
    load = python_task(key="load")
    load["spark_python_task"]["parameters"].append(f"--fail-once={flag}")
    settings = {
        "name": "etl",
        "tasks": [python_task(key="extract"), {**load, "depends_on": [{"task_key": "extract"}]}],
    }
    assert stack.api.put("/v1/jobs/local/etl", json=settings).status_code == 200
    failed = stack.wait(
        stack.trigger(subject_key="orders", strategy="shared_job", job_key="etl", callbacks=False)["id"]
    )
    assert failed["status"] == "FAILED"
    client = browser_client(stack)
    page = client.get(f"/runs/{failed['id']}").text
    assert 'name="task" value="load"' in page and 'name="task" value="extract"' in page
    response = client.post(f"/runs/{failed['id']}/repair", data={"task": "load"})
    repaired_id = response.headers["location"].rsplit("/", 1)[1]
    repaired = stack.wait(repaired_id)
    assert repaired["status"] == "SUCCESS" and repaired["repair_of"] == failed["id"]
    assert repaired["triggered_by"] == "repair by dashboard"
