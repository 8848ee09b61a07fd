"""A server killed between the attempt commit and the workspace call; a workspace answering 20% 429/5xx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.store.attempts import AttemptFilter
from tests.server.conftest import TASK_SCRIPT, TERMINAL, build_stack, python_task, workspace_with_faults

pytestmark = pytest.mark.slow


def all_runs(client: WorkspaceClient) -> list[Any]:
    for _ in range(50):
        try:
            return list(client.jobs.list_runs())
        except Exception:
            time.sleep(0.1)
    raise AssertionError("could not list runs")


KILLED_SERVER = """
import os, signal, sys
from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.runs import RunService
from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec

url, home, host, script, where = sys.argv[1:]
die = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
if where == "before-call":
    RunService.launch = die
else:
    RunService._launched = die
plane = ControlPlane(ControlSettings(home=home, database_url=url, server_key="e2e-key"))
plane.register_workspace(WorkspaceSpec(name="local", host=host, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN"))
task = {"task_key": "main", "spark_python_task": {"python_file": script}}
plane.runs.trigger(TriggerRequest(subject_key="crash-" + where, tasks=[task], callbacks=False))
"""


def kill_server_mid_trigger(url: str, home: Path, workspace: Any, where: str) -> int:
    """Runs a control-plane process that SIGKILLs itself before, or just after, the workspace call."""
    env = {**os.environ, "LAKERUN_TEST_LOCAL_TOKEN": workspace.token}
    command = [sys.executable, "-c", KILLED_SERVER, url, str(home), workspace.url, TASK_SCRIPT, where]
    return subprocess.run(command, env=env, check=False, timeout=120).returncode


def test_restart_after_a_crash_leaves_no_dangling_attempt_and_no_duplicate_run(
    database_url: str,
    tmp_path: Path,
    local_workspace: Any,
    monkeypatch: pytest.MonkeyPatch,
    ws_client: WorkspaceClient,
) -> None:
    home = tmp_path / "home"
    for where in ("before-call", "after-call"):
        assert kill_server_mid_trigger(database_url, home, local_workspace, where) == -signal.SIGKILL
    runs_before_restart = all_runs(ws_client)
    assert len(runs_before_restart) == 1

    idle = ControlPlane(ControlSettings(home=home, database_url=database_url, server_key="e2e-key"))
    dangling, _ = idle.list_attempts(AttemptFilter(statuses=["CREATING"]))
    idle.stop()
    attempts = {subject.key: attempt.id for attempt, subject in dangling}

    stack = build_stack(database_url, home, local_workspace, monkeypatch)
    try:
        finished = {key: stack.wait(attempt_id) for key, attempt_id in attempts.items()}
    finally:
        stack.api.close()
        stack.server.stop()
        stack.plane.stop()
    assert set(attempts) == {"crash-before-call", "crash-after-call"}
    assert {key: run["status"] for key, run in finished.items()} == {
        "crash-before-call": "SUCCESS",
        "crash-after-call": "SUCCESS",
    }
    assert finished["crash-after-call"]["run_id"] == runs_before_restart[0].run_id
    runs = all_runs(ws_client)
    assert sorted(r.run_id for r in runs) == sorted(r["run_id"] for r in finished.values())


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
