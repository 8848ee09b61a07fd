"""A profile run whose task process dies mid-run, without reporting: the reconciler ends it FAILED with the
workspace's reason, nothing stays running, and no results are stored for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lakerun.control.plane import ControlPlane
from lakerun.control.profiling.catalog import ConnectionSpec, GroupSpec, create_connection, create_group
from lakerun.control.profiling.results import get_run, list_runs
from lakerun.control.profiling.runs import ProfileRunOptions, trigger_profile_run
from lakerun.errors import UnavailableError
from tests.server.conftest import Stack, sqlite_stack
from tests.store.databases import sqlite_template

__all__ = ["sqlite_template"]
pytestmark = pytest.mark.slow

DYING_TASK = """
import os, signal
from lakerun.executor.callbacks import CallbackClient

client = CallbackClient.from_env()
client.progress(0.3, "profiling tables", task="profile")
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture
def stack(
    sqlite_template: Path, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    with sqlite_stack(sqlite_template, tmp_path, local_workspace, monkeypatch) as built:
        yield built


def test_a_task_killed_mid_run_ends_failed_with_the_workspace_reason(stack: Stack, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    create_connection(stack.plane, ConnectionSpec(name="data", kind="files", location=str(tmp_path / "data")))
    group = create_group(stack.plane, GroupSpec(name="dying", connection="data"))
    task = tmp_path / "dying_task.py"
    task.write_text(DYING_TASK)

    attempt = trigger_profile_run(stack.plane, group.id, ProfileRunOptions(task_file=str(task)))
    ended = stack.wait(attempt.id, timeout=60)

    assert ended["status"] == "FAILED", ended
    assert "signal" in ended["error"].lower() or "-9" in ended["error"], ended["error"]
    assert [t["source"] for t in ended["transitions"] if t["to_status"] == "FAILED"] == ["poll"]
    run = get_run(stack.plane, attempt.id)
    assert run.result is None and run.anomalies == []
    assert [(r.attempt.id, r.attempt.status) for r in list_runs(stack.plane, group.id)] == [
        (attempt.id, "FAILED")
    ]


def test_an_unreachable_workspace_is_named_and_nothing_is_left_running(
    plane: ControlPlane, tmp_path: Path
) -> None:
    create_connection(
        plane, ConnectionSpec(name="far", kind="files", location=str(tmp_path), workspace="nowhere")
    )
    group = create_group(plane, GroupSpec(name="far", connection="far"))

    with pytest.raises(UnavailableError, match="workspace `nowhere`") as refused:
        trigger_profile_run(plane, group.id)
    assert refused.value.transient and refused.value.http_status == 503
    assert list_runs(plane, group.id) == []
