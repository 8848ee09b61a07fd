"""Faults on demand, seen by the official SDK and by the CLI's `--fault` flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InternalError
from databricks.sdk.service import jobs

from lakerun.local.faults import FaultInjector, parse_fault, rules_from_cli
from lakerun.local.server import free_port
from tests.local.conftest import python_task, result_of, wait_for
from tests.support.eventually import eventually


def test_sdk_retries_an_injected_429_and_succeeds(start_workspace) -> None:
    ws = start_workspace(
        faults=[{"kind": "error", "status": 429, "path": "jobs/list", "times": 2, "retry_after": 1}]
    )
    raw = httpx.get(f"{ws.url}/api/2.2/jobs/list", headers={"Authorization": f"Bearer {ws.token}"})
    assert raw.status_code == 429 and raw.headers["retry-after"] == "1"
    assert raw.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    client = WorkspaceClient(host=ws.url, token=ws.token)
    assert list(client.jobs.list()) == []
    again = httpx.get(f"{ws.url}/api/2.2/jobs/list", headers={"Authorization": f"Bearer {ws.token}"})
    assert again.status_code == 200


def test_injected_500_reaches_the_sdk_as_a_typed_error(start_workspace) -> None:
    ws = start_workspace(faults=[{"kind": "error", "status": 500, "path": "jobs/get", "method": "GET"}])
    client = WorkspaceClient(host=ws.url, token=ws.token)
    with pytest.raises(InternalError):
        client.jobs.get(1)


def test_latency_rule_delays_only_matching_requests(start_workspace) -> None:
    ws = start_workspace(faults=[{"kind": "latency", "latency_ms": 2000, "path": "jobs/get"}])
    headers = {"Authorization": f"Bearer {ws.token}"}
    assert httpx.get(f"{ws.url}/api/2.1/jobs/list", headers=headers, timeout=30).status_code == 200
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{ws.url}/api/2.1/jobs/get?job_id=1", headers=headers, timeout=0.3)


def test_slow_cluster_start_keeps_runs_pending(start_workspace, script) -> None:
    ws = start_workspace(faults=[{"kind": "cluster_start", "seconds": 1}])
    client = WorkspaceClient(host=ws.url, token=ws.token)
    job_id = client.jobs.create(name="slow-start", tasks=[python_task("t", script("noop.py", ""))]).job_id
    run_id = client.jobs.run_now(job_id=job_id).run_id  # type: ignore[arg-type]
    pending = client.jobs.get_run(run_id)
    assert pending.state.life_cycle_state == jobs.RunLifeCycleState.PENDING
    assert "cluster" in pending.state.state_message  # type: ignore[operator]
    assert result_of(wait_for(client, run_id)) == "SUCCESS"


def test_rules_match_by_path_method_rate_and_times() -> None:
    injector = FaultInjector(
        [
            {"kind": "error", "path": "jobs/runs/*", "method": "GET", "times": 1},
            {"kind": "latency", "latency_ms": 5, "rate": 0.0},
        ],
        seed=1,
    )
    assert injector.firing("error", "POST", "jobs/runs/get") == []
    assert injector.firing("error", "GET", "jobs/list") == []
    assert len(injector.firing("error", "GET", "jobs/runs/get")) == 1
    assert injector.firing("error", "GET", "jobs/runs/get") == []
    assert injector.firing("latency", "GET", "jobs/list") == []


def test_cli_fault_specs_are_validated(tmp_path: Path) -> None:
    assert parse_fault("cluster-start:seconds=2").seconds == 2.0
    with pytest.raises(ValueError, match="status"):
        parse_fault("error:status=200")
    with pytest.raises(ValueError, match="key=value"):
        parse_fault("error:oops")
    with pytest.raises(ValueError, match="kind"):
        parse_fault("explode")
    rules_file = tmp_path / "faults.yaml"
    rules_file.write_text("- kind: latency\n  latency_ms: 50\n  path: jobs/*\n")
    assert rules_from_cli(["error:status=503"], rules_file) == [
        {"kind": "latency", "latency_ms": 50, "path": "jobs/*"},
        {"kind": "error", "status": 503},
    ]


SERVE = [sys.executable, "-c", "import typer; from lakerun.cli.workspace import serve; typer.run(serve)"]


@pytest.mark.slow  # starts `lakerun workspace serve`
def test_serve_command_applies_fault_flags(tmp_path: Path) -> None:
    port = free_port()
    command = [
        *SERVE,
        "--root",
        str(tmp_path / "ws"),
        "--port",
        str(port),
        "--fault",
        "error:status=503,path=jobs/list,retry_after=3",
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        eventually(lambda: httpx.get(f"{url}/healthz"), interval=0.1, ignoring=(httpx.TransportError,))
        response = httpx.get(f"{url}/api/2.1/jobs/list", headers={"Authorization": "Bearer dapi-local"})
        assert response.status_code == 503 and response.headers["retry-after"] == "3"
        assert response.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_command_refuses_a_bad_fault(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lakerun.cli.workspace import app

    result = CliRunner().invoke(app, ["--root", str(tmp_path), "--fault", "error:rate=7"])
    assert result.exit_code == 2 and "rate" in result.output
