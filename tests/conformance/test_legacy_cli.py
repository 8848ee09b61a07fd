"""The legacy Python CLI (`databricks-cli==0.18.0`) against the local workspace.

Recipe: the CLI drops the port of `DATABRICKS_HOST` (it builds `scheme://hostname/api/`), so the
workspace listens on port 80 of a loopback address of its own (`lakerun workspace serve --host
127.0.0.5 --port 80`, as root) and the CLI gets `DATABRICKS_HOST=http://127.0.0.5`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.eventually import eventually

pytestmark = pytest.mark.conformance


def cli(executable: Path, workspace, *args: str, home: Path) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "DATABRICKS_HOST": f"http://{workspace.config.host}",
        "DATABRICKS_TOKEN": workspace.token,
    }
    done = subprocess.run(
        [str(executable), *args], check=False, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_fs_cp_stores_the_whole_file(legacy_cli, port80_workspace, tmp_path) -> None:
    payload = os.urandom(1_500_000)
    source = tmp_path / "blob.bin"
    source.write_bytes(payload)
    cli(legacy_cli, port80_workspace, "fs", "cp", str(source), "dbfs:/landing/blob.bin", home=tmp_path)
    assert (port80_workspace.config.root / "dbfs" / "landing" / "blob.bin").read_bytes() == payload
    (tmp_path / "note.txt").write_text("hello dbfs\n")
    cli(
        legacy_cli,
        port80_workspace,
        "fs",
        "cp",
        "--overwrite",
        str(tmp_path / "note.txt"),
        "dbfs:/landing/note.txt",
        home=tmp_path,
    )
    assert (
        cli(legacy_cli, port80_workspace, "fs", "cat", "dbfs:/landing/note.txt", home=tmp_path)
        == "hello dbfs\n"
    )
    assert cli(legacy_cli, port80_workspace, "fs", "ls", "dbfs:/landing", home=tmp_path).split() == [
        "blob.bin",
        "note.txt",
    ]
    back = tmp_path / "back.bin"
    cli(legacy_cli, port80_workspace, "fs", "cp", "dbfs:/landing/blob.bin", str(back), home=tmp_path)
    assert back.read_bytes() == payload


def test_workspace_and_secrets(legacy_cli, port80_workspace, tmp_path) -> None:
    notebook = tmp_path / "nb.py"
    notebook.write_text("# Databricks notebook source\nprint('hi')\n")
    cli(legacy_cli, port80_workspace, "workspace", "mkdirs", "/Shared", home=tmp_path)
    cli(
        legacy_cli,
        port80_workspace,
        "workspace",
        "import",
        "-l",
        "PYTHON",
        str(notebook),
        "/Shared/nb",
        home=tmp_path,
    )
    assert "nb" in cli(legacy_cli, port80_workspace, "workspace", "ls", "/Shared", home=tmp_path).split()
    cli(
        legacy_cli,
        port80_workspace,
        "secrets",
        "create-scope",
        "--scope",
        "app",
        "--initial-manage-principal",
        "users",
        home=tmp_path,
    )
    cli(
        legacy_cli,
        port80_workspace,
        "secrets",
        "put",
        "--scope",
        "app",
        "--key",
        "api",
        "--string-value",
        "s3cret",
        home=tmp_path,
    )
    assert "api" in cli(legacy_cli, port80_workspace, "secrets", "list", "--scope", "app", home=tmp_path)


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_jobs_and_runs(legacy_cli, port80_workspace, tmp_path, version) -> None:
    script = tmp_path / "task.py"
    script.write_text("import sys\nprint('task ran', sys.argv[1:])\n")
    settings = {
        "name": "legacy",
        "existing_cluster_id": "local",
        "spark_python_task": {"python_file": str(script), "parameters": ["--day", "1"]},
    }
    if version == "2.1":
        settings = {
            "name": "legacy",
            "tasks": [{"task_key": "t", **{k: v for k, v in settings.items() if k != "name"}}],  # type: ignore[list-item]
        }

    def run_cli(*args: str) -> str:
        return cli(legacy_cli, port80_workspace, *args, "--version", version, home=tmp_path)

    job_id = json.loads(run_cli("jobs", "create", "--json", json.dumps(settings)))["job_id"]
    job = json.loads(run_cli("jobs", "get", "--job-id", str(job_id)))
    if version == "2.0":
        assert job["settings"]["spark_python_task"]["python_file"] == str(script)
    else:
        assert job["settings"]["tasks"][0]["task_key"] == "t"
    assert str(job_id) in run_cli("jobs", "list")
    run_id = json.loads(run_cli("jobs", "run-now", "--job-id", str(job_id)))["run_id"]
    run = eventually(
        lambda: json.loads(run_cli("runs", "get", "--run-id", str(run_id))),
        lambda run: run["state"]["life_cycle_state"] == "TERMINATED",
        interval=0.2,
    )
    assert run["state"]["result_state"] == "SUCCESS"
    if version == "2.0":
        assert run["task"]["spark_python_task"]["python_file"] == str(script)
        output = json.loads(run_cli("runs", "get-output", "--run-id", str(run_id)))
    else:
        output = json.loads(run_cli("runs", "get-output", "--run-id", str(run["tasks"][0]["run_id"])))
    assert "task ran ['--day', '1']" in output["logs"]
    assert str(run_id) in run_cli("runs", "list", "--job-id", str(job_id))
