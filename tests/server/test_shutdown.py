"""`lakerun serve` ends on SIGTERM while launches hang on an unresponsive workspace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lakerun.local.server import free_port
from tests.server.conftest import python_task, workspace_with_faults
from tests.server.serving import clean_env, serve_process

pytestmark = pytest.mark.slow
HANG_MS = 600_000
"""How long the workspace holds every runs/submit: far longer than the test waits for the exit."""
EXIT_DEADLINE = 90
"""Generous for a loaded machine, and far below what the hanging calls would take to give up."""


def test_serve_exits_on_sigterm_while_every_launch_hangs(database_url: str, tmp_path: Path) -> None:
    hang = [{"kind": "latency", "path": "jobs/runs/submit", "latency_ms": HANG_MS}]
    with workspace_with_faults(tmp_path / "hanging", hang) as workspace:
        port = free_port()
        env = clean_env(
            LOCAL_WS_TOKEN=workspace.token,
            LAKERUN_API_TOKEN="lrk_shutdown-test-token",
            LAKERUN_PORT=str(port),
            LAKERUN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        config = f"""
database_url = "{database_url}"
callback_secret_delivery = "parameter"
workspace_http_timeout = 900
workspace_retry_seconds = 900
launch_concurrency = 2

[[workspaces]]
name = "local"
host = "{workspace.url}"
token = "env:LOCAL_WS_TOKEN"
"""
        with serve_process(tmp_path / "cp", config, env=env) as served:
            api = httpx.Client(
                base_url=served.url, headers={"Authorization": "Bearer lrk_shutdown-test-token"}, timeout=60
            )
            for number in range(4):
                body = {"subject_key": f"hung-{number}", "tasks": [python_task()]}
                assert api.post("/v1/runs", json=body).status_code == 201
            deadline = time.monotonic() + 60
            while "submit" not in "".join(path for path in workspace_paths(workspace)):
                assert time.monotonic() < deadline, "no launch reached the workspace"
                time.sleep(0.2)
            time.sleep(1)
            served.process.send_signal(signal.SIGTERM)
            try:
                code = served.process.wait(timeout=EXIT_DEADLINE)
            except subprocess.TimeoutExpired:
                served.process.kill()
                raise AssertionError(
                    f"serve still running after SIGTERM:\n{served.output()[-3000:]}"
                ) from None
        assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), served.output()[-3000:]


EMBEDDING = """
import json, sys, time
from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec

url, home, host, task = sys.argv[1:]
settings = ControlSettings(
    home=home, database_url=url, server_key="k", callback_secret_delivery="parameter",
    workspace_http_timeout=900, workspace_retry_seconds=900, launch_concurrency=2, reconcile_interval=0.5,
)
plane = ControlPlane(settings)
plane.register_workspace(WorkspaceSpec(name="local", host=host, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN"))
plane.start()
for number in range(4):
    plane.runs.trigger(TriggerRequest(subject_key=f"embedded-{number}", tasks=[json.loads(task)]))
while plane.runs.launcher.held() < 2:
    time.sleep(0.1)
time.sleep(2)
plane.stop()
print("stopped", flush=True)
"""


def test_a_program_embedding_the_control_plane_ends_once_it_stops_it_while_launches_hang(
    database_url: str, tmp_path: Path
) -> None:
    hang = [{"kind": "latency", "path": "jobs/runs/submit", "latency_ms": HANG_MS}]
    with workspace_with_faults(tmp_path / "hanging", hang) as workspace:
        env = {**os.environ, "LAKERUN_TEST_LOCAL_TOKEN": workspace.token}
        command = [sys.executable, "-c", EMBEDDING, database_url, str(tmp_path / "home"), workspace.url]
        program = subprocess.Popen(
            [*command, json.dumps(python_task())], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            output, _ = program.communicate(timeout=EXIT_DEADLINE + 60)
        except subprocess.TimeoutExpired:
            program.kill()
            output, _ = program.communicate()
            raise AssertionError(f"the program never ended:\n{output.decode()[-3000:]}") from None
    assert b"stopped" in output and program.returncode == 0, output.decode()[-3000:]


def workspace_paths(workspace: object) -> list[str]:
    """Paths of the rules that fired so far (the hanging submit counts once it is under way)."""
    faults = workspace.server.config.app.state.faults  # type: ignore[attr-defined]
    return [rule.path for rule, fired in zip(faults.rules, faults._fired, strict=True) if fired]
