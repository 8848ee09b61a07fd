"""kill -9 of a serving control plane at each step of trigger → launch → record, then a restart settles everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.local.server import free_port
from lakerun.store.attempts import AttemptFilter
from tests.server.conftest import TERMINAL, build_stack, python_task
from tests.server.test_resilience import all_runs

pytestmark = pytest.mark.slow
ATTEMPTS = 4

KILLED_SERVER = """
import json, os, signal, sys, time
from lakerun.control import outbox
from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.server.app import create_app
from lakerun.server.serve import start_in_thread

url, home, host, port, step, tasks = sys.argv[1:]
die = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
def record_late(*args, **kwargs):
    time.sleep(6)
    die()
if step == "accepted":
    pass
elif step == "claimed":
    outbox.launch = die
elif step == "launched":
    outbox._record = die
elif step == "callback-race":
    outbox._record = record_late
settings = ControlSettings(
    home=home, database_url=url, server_key="e2e-key", public_url=f"http://127.0.0.1:{port}",
    callback_secret_delivery="parameter", reconcile_interval=0.3, launch_grace=2,
)
plane = ControlPlane(settings)
plane.register_workspace(WorkspaceSpec(name="local", host=host, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN"))
start_in_thread(create_app(settings, plane), plane, "127.0.0.1", int(port))
for number, task in enumerate(json.loads(tasks)):
    strategy = "job_per_attempt" if number % 2 else "one_time"
    plane.runs.trigger(TriggerRequest(subject_key=f"{step}-{number}", strategy=strategy, tasks=[task]))
if step == "accepted":
    die()
plane.start()
time.sleep(60)
"""


def kill_server_at(url: str, home: Path, workspace: Any, step: str) -> int:
    """Serves a control plane in a subprocess that triggers attempts and SIGKILLs itself at `step`."""
    env = {**os.environ, "LAKERUN_TEST_LOCAL_TOKEN": workspace.token}
    tasks = __import__("json").dumps([python_task() for _ in range(ATTEMPTS)])
    port = str(free_port())
    command = [sys.executable, "-c", KILLED_SERVER, url, str(home), workspace.url, port, step, tasks]
    return subprocess.run(command, env=env, check=False, timeout=120).returncode


@pytest.mark.parametrize("step", ["accepted", "claimed", "launched", "callback-race"])
def test_a_restart_after_kill_9_settles_every_attempt_with_exactly_one_run(
    step: str,
    database_url: str,
    tmp_path: Path,
    local_workspace: Any,
    monkeypatch: pytest.MonkeyPatch,
    ws_client: WorkspaceClient,
) -> None:
    home = tmp_path / "home"
    runs_before = {r.run_id for r in all_runs(ws_client)}
    assert kill_server_at(database_url, home, local_workspace, step) == -signal.SIGKILL

    idle = ControlPlane(ControlSettings(home=home, database_url=database_url, server_key="e2e-key"))
    before, _ = idle.list_attempts(AttemptFilter(subject_key=None))
    idle.stop()
    attempts = {a.id: a for a, subject in before if subject.key.startswith(step)}
    assert len(attempts) == ATTEMPTS
    assert all(a.run_id is None for a in attempts.values()), "the crash came before any run id was recorded"
    if step == "callback-race":
        assert any(a.status != "CREATING" for a in attempts.values()), "no callback raced the launch"

    stack = build_stack(database_url, home, local_workspace, monkeypatch)
    try:
        settled = lambda run: run["status"] in TERMINAL and run["run_id"] is not None  # noqa: E731
        finished = {attempt_id: stack.wait(attempt_id, settled, timeout=90) for attempt_id in attempts}
    finally:
        stack.api.close()
        stack.server.stop()
        stack.plane.stop()
    assert {run["status"] for run in finished.values()} <= TERMINAL
    for run in finished.values():
        remote = ws_client.jobs.get_run(run_id=run["run_id"]).state
        assert remote is not None and remote.result_state is not None
        assert run["status"] == remote.result_state.value, "the attempt ends as its run truly ended"
    run_ids = [run["run_id"] for run in finished.values()]
    assert None not in run_ids and len(set(run_ids)) == ATTEMPTS
    new_runs = {r.run_id for r in all_runs(ws_client)} - runs_before
    assert new_runs == set(run_ids), "every workspace run belongs to exactly one attempt"
