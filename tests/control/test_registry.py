"""The job registry against a real local workspace: idempotent ensure, re-finding jobs after a lost database,
and retention of per-attempt jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from lakerun.control.plane import ControlPlane
from lakerun.control.retention import apply_retention
from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec
from tests.server.conftest import build_stack, python_task

pytestmark = pytest.mark.slow


def local_plane(url: str, home: Path, workspace: Any, monkeypatch: pytest.MonkeyPatch) -> ControlPlane:
    monkeypatch.setenv("LAKERUN_TEST_LOCAL_TOKEN", workspace.token)
    plane = ControlPlane(ControlSettings(home=home, database_url=url, server_key="k"))
    plane.register_workspace(
        WorkspaceSpec(name="local", host=workspace.url, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN")
    )
    return plane


def settings(parameters: list[str]) -> jobs.JobSettings:
    return jobs.JobSettings.from_dict(
        {
            "name": "profile-orders",
            "tasks": [
                {**python_task(), "spark_python_task": {"python_file": "x.py", "parameters": parameters}}
            ],
        }
    )


def test_ensure_job_creates_once_then_resets_only_on_change(
    database_url: str,
    tmp_path: Path,
    local_workspace: Any,
    monkeypatch: pytest.MonkeyPatch,
    ws_client: WorkspaceClient,
) -> None:
    plane = local_plane(database_url, tmp_path / "a", local_workspace, monkeypatch)
    created = plane.ensure_job("local", "orders", settings(["--a"]))
    again = plane.ensure_job("local", "orders", settings(["--a"]))
    changed = plane.ensure_job("local", "orders", settings(["--b"]))
    plane.stop()
    assert (created.action, again.action, changed.action) == ("created", "unchanged", "reset")
    assert created.job_id == again.job_id == changed.job_id
    job = ws_client.jobs.get(created.job_id)
    assert job.settings.tags["lakerun_key"] == "orders"
    assert "--b" in job.settings.tasks[0].spark_python_task.parameters  # type: ignore[operator]


def test_a_lost_database_re_finds_its_jobs_instead_of_duplicating(
    tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch, ws_client: WorkspaceClient
) -> None:
    first = local_plane(f"sqlite:///{tmp_path / 'one.db'}", tmp_path / "a", local_workspace, monkeypatch)
    original = first.ensure_job("local", "orders", settings(["--a"]))
    first.stop()
    fresh = local_plane(f"sqlite:///{tmp_path / 'two.db'}", tmp_path / "b", local_workspace, monkeypatch)
    adopted = fresh.ensure_job("local", "orders", settings(["--a"]))
    fresh.stop()
    assert adopted.action == "adopted" and adopted.job_id == original.job_id
    assert len(list(ws_client.jobs.list(name="profile-orders"))) == 1


def test_job_per_attempt_keeps_only_the_latest_jobs_of_a_subject(
    database_url: str,
    tmp_path: Path,
    local_workspace: Any,
    monkeypatch: pytest.MonkeyPatch,
    ws_client: WorkspaceClient,
) -> None:
    stack = build_stack(
        database_url, tmp_path / "home", local_workspace, monkeypatch, keep_jobs_per_subject=2
    )
    try:
        ids = [
            stack.trigger(subject_key="kept", strategy="job_per_attempt", tasks=[python_task()])["id"]
            for _ in range(4)
        ]
        runs = [stack.wait(attempt_id) for attempt_id in ids]
        subject = stack.plane.subject_history("default", "kept")[0]
        deleted = apply_retention(stack.plane.ctx, subject.id)
    finally:
        stack.api.close()
        stack.server.stop()
        stack.plane.stop()
    remaining = {
        j.job_id for j in ws_client.jobs.list() if (j.settings.tags or {}).get("lakerun_subject") == "kept"
    }
    assert [r["status"] for r in runs] == ["SUCCESS"] * 4
    assert remaining == {runs[2]["job_id"], runs[3]["job_id"]}
    assert deleted <= 2
