"""Durability: after the workspace process dies, jobs and finished runs are intact and in-flight runs end INTERNAL_ERROR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import OperationFailed
from databricks.sdk.service import jobs

from lakerun.local.server import free_port
from tests.local.conftest import python_task, result_of, wait_for
from tests.support.eventually import eventually

SERVE = [sys.executable, "-c", "import typer; from lakerun.cli.workspace import serve; typer.run(serve)"]


def _serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([*SERVE, "--root", str(root), "--port", str(port)], stdout=subprocess.DEVNULL)
    try:
        eventually(
            lambda: httpx.get(f"http://127.0.0.1:{port}/healthz"),
            interval=0.1,
            ignoring=(httpx.TransportError,),
            what="the workspace listening",
        )
    except AssertionError:
        server.kill()
        raise
    return server


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()


def test_crash_then_restart_keeps_jobs_and_finished_runs(tmp_path: Path, script, start_workspace) -> None:
    root, port = tmp_path / "ws", free_port()
    pid_file = tmp_path / "task.pid"
    server = _serve(root, port)
    try:
        client = WorkspaceClient(host=f"http://127.0.0.1:{port}", token="dapi-local")
        quick = client.jobs.create(
            name="quick", tasks=[python_task("t", script("quick.py", "print('kept')\n"))]
        ).job_id
        finished = wait_for(client, client.jobs.run_now(job_id=quick).run_id)  # type: ignore[arg-type]
        slow_body = f"import os, time, pathlib\npathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\ntime.sleep(120)\n"
        slow = client.jobs.create(name="slow", tasks=[python_task("t", script("slow.py", slow_body))]).job_id
        in_flight = client.jobs.run_now(job_id=slow).run_id  # type: ignore[arg-type]
        wait_for(client, in_flight, until=lambda r: pid_file.exists() and pid_file.read_text() != "")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    orphan = int(pid_file.read_text())
    assert not _gone(orphan), "the task process outlives a crashed server (own session)"

    ws = start_workspace(root=root)
    client = WorkspaceClient(host=ws.url, token=ws.token)
    assert [j.settings.name for j in client.jobs.list()] == ["quick", "slow"]
    again = client.jobs.get_run(finished.run_id)  # type: ignore[arg-type]
    assert result_of(again) == "SUCCESS"
    assert client.jobs.get_run_output(again.tasks[0].run_id).logs.strip() == "kept"  # type: ignore[arg-type]
    lost = client.jobs.get_run(in_flight)
    assert lost.state.life_cycle_state == jobs.RunLifeCycleState.INTERNAL_ERROR
    assert "restart" in lost.state.state_message  # type: ignore[operator]
    assert lost.status.termination_details.type == jobs.TerminationTypeType.INTERNAL_ERROR
    with pytest.raises(OperationFailed, match="INTERNAL_ERROR"):
        client.jobs.wait_get_run_job_terminated_or_skipped(in_flight)
    eventually(lambda: _gone(orphan), what="the restarted workspace ends the orphaned task process")
    assert result_of(wait_for(client, client.jobs.run_now(job_id=quick).run_id)) == "SUCCESS"  # type: ignore[arg-type]
