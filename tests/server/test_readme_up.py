"""The README's commands as written: `lakerun up` with its default relative root, then every snippet against it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import workspace as sdk_workspace
from databricks.sdk.service.compute import Language, ResultType

from lakerun.local.server import free_port

pytestmark = pytest.mark.slow
LAKERUN = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"


@dataclass
class Up:
    """A `lakerun up` process started from `cwd` with no --root, and where it serves."""

    cwd: Path
    workspace_url: str
    control_url: str
    process: subprocess.Popen[str]
    output: list[str]

    def lakerun(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs `lakerun ARGS` from the same folder, as a user following the README does."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "LAKERUN_"))}
        env["LAKERUN_URL"] = self.control_url
        return subprocess.run(
            [LAKERUN, *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _wait_for(process: subprocess.Popen[str], text: str, output: list[str], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise AssertionError("lakerun up exited:\n" + "".join(output))
        output.append(line)
        if text in line:
            return
    raise AssertionError(f"{text!r} never printed:\n" + "".join(output))


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """`lakerun up` (what `make run` runs) from a fresh folder, with its default relative root `.lakerun`."""
    cwd = tmp_path_factory.mktemp("fresh-clone")
    port, control_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "LAKERUN_"))}
    command = [LAKERUN, "up", "--port", str(port), "--control-port", str(control_port)]
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    try:
        _wait_for(process, "serving; press Ctrl+C", output, timeout=900)
        yield Up(cwd, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{control_port}", process, output)
    finally:
        process.terminate()
        process.wait(timeout=60)


def _run(client: WorkspaceClient, context_id: str, command: str) -> Any:
    return client.command_execution.execute(
        cluster_id="local", context_id=context_id, language=Language.PYTHON, command=command
    ).result()


def test_the_demo_ran_and_state_lives_under_the_relative_root(up: Up) -> None:
    printed = "".join(up.output)
    assert ": SUCCESS" in printed and "hello from the lakerun local workspace" in printed
    assert "gold" in printed and "SUCCESS" in printed.split("demo pipeline:")[1]
    assert (up.cwd / ".lakerun" / "control.db").exists()
    assert (up.cwd / ".lakerun" / "workspace" / "state.db").exists()


def test_commands_api_runs_python_and_pip_installs_a_local_wheel(up: Up, make_wheel: Any) -> None:
    client = WorkspaceClient(host=up.workspace_url, token="dapi-local")
    context = client.command_execution.create(cluster_id="local", language=Language.PYTHON).result()
    assert context.id is not None
    try:
        answer = _run(client, context.id, "6 * 7")
        assert answer.results.result_type == ResultType.TEXT, answer.results.cause
        assert answer.results.data == "42"
        wheel = make_wheel("readmepkg", "0.1", "WHERE = 'from a wheel'\n")
        installed = _run(client, context.id, f"%pip install {wheel}")
        assert installed.results.result_type == ResultType.TEXT, installed.results.cause
        assert "Successfully installed readmepkg-0.1" in installed.results.data
        assert _run(client, context.id, "import readmepkg\nreadmepkg.WHERE").results.data == "'from a wheel'"
    finally:
        client.command_execution.destroy(cluster_id="local", context_id=context.id)


def test_readme_sdk_and_curl_snippets(up: Up) -> None:
    client = WorkspaceClient(host=up.workspace_url, token="dapi-local")
    names = [j.settings.name for j in client.jobs.list() if j.settings]
    assert "lakerun-demo" in names
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    listed = subprocess.run(
        [curl, "-sf", "-H", "Authorization: Bearer dapi-local", f"{up.workspace_url}/api/2.1/jobs/list"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert "lakerun-demo" in listed.stdout


def test_readme_runs_commands_read_the_token_from_the_relative_root(up: Up, tmp_path: Path) -> None:
    client = WorkspaceClient(host=up.workspace_url, token="dapi-local")
    client.workspace.upload(
        "/job.py", b"print('nightly ok')\n", format=sdk_workspace.ImportFormat.AUTO, overwrite=True
    )
    triggered = up.lakerun("runs", "trigger", "nightly", "--python-file", "/Workspace/job.py", "--wait")
    assert triggered.returncode == 0, triggered.stdout + triggered.stderr
    assert "SUCCESS" in triggered.stdout
    failed = up.lakerun("runs", "list", "--status", "FAILED")
    assert failed.returncode == 0 and "of 0" in failed.stdout


def test_readme_onboard_with_the_wheel_up_built(up: Up) -> None:
    env_token = {"DATABRICKS_TOKEN": "dapi-local"}  # as the README writes it
    [wheel] = (up.cwd / ".lakerun" / "wheels").glob("lakerun-*.whl")
    command = [
        LAKERUN, "onboard", "--workspace", up.workspace_url, "--cluster-id", "local", "--wheel", str(wheel.relative_to(up.cwd)),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "LAKERUN_"))}
    done = subprocess.run(
        command,
        cwd=up.cwd,
        env={**env, **env_token},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"schema_validation"' in done.stdout
