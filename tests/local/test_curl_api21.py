"""The 2.1 prefix as curl users and seed 000's scripts call it: string ids, GET bodies, `text/json`."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.eventually import eventually

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def curl(
    workspace, method: str, path: str, body: dict | None = None, content_type: str = "application/json"
) -> dict:
    command = [
        "curl",
        "-sS",
        "-X",
        method,
        f"{workspace.url}/api/2.1/{path}",
        "-H",
        f"Authorization: Bearer {workspace.token}",
    ]
    if body is not None:
        command += ["-H", f"Content-Type: {content_type}", "-d", json.dumps(body)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout or "{}")


def test_seed_style_calls_with_string_ids_and_get_bodies(local_workspace, script) -> None:
    path = script("seed.py", "import sys\nprint('seed', sys.argv[1:])\n")
    job = {
        "name": "seed",
        "existing_cluster_id": "local",
        "spark_python_task": {"python_file": path, "parameters": ["--job", "scan"]},
    }
    job_id = curl(local_workspace, "POST", "jobs/create", job, content_type="text/json")["job_id"]
    assert curl(local_workspace, "GET", "jobs/get", {"job_id": str(job_id)})["settings"]["name"] == "seed"
    run_id = curl(local_workspace, "POST", "jobs/run-now", {"job_id": str(job_id)}, content_type="text/json")[
        "run_id"
    ]
    run = eventually(
        lambda: curl(local_workspace, "GET", "jobs/runs/get", {"run_id": str(run_id)}),
        lambda run: run["state"]["life_cycle_state"] == "TERMINATED",
        interval=0.02,
    )
    assert run["state"]["result_state"] == "SUCCESS"
    assert run["status"]["termination_details"]["code"] == "SUCCESS"
    output = curl(local_workspace, "GET", "jobs/runs/get-output", {"run_id": str(run_id)})
    assert "seed ['--job', 'scan']" in output["logs"]
    listed = curl(local_workspace, "GET", f"jobs/runs/list?job_id={job_id}&limit=5")
    assert [r["run_id"] for r in listed["runs"]] == [run_id]


def test_errors_have_the_databricks_shape(local_workspace) -> None:
    missing = curl(local_workspace, "GET", "jobs/runs/get", {"run_id": "424242"})
    assert missing["error_code"] == "INVALID_PARAMETER_VALUE" and "424242" in missing["message"]
    bad_id = curl(local_workspace, "GET", "jobs/get", {"job_id": "abc"})
    assert bad_id["error_code"] == "INVALID_PARAMETER_VALUE"
    command = [
        "curl",
        "-sS",
        "-X",
        "POST",
        f"{local_workspace.url}/api/2.1/jobs/create",
        "-H",
        f"Authorization: Bearer {local_workspace.token}",
        "-d",
        "{not json",
    ]
    malformed = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    assert malformed["error_code"] == "MALFORMED_REQUEST"
