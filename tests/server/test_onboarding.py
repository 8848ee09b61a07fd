"""Onboarding through the control plane: `POST /v1/workspaces/{name}/onboard` against a real local workspace."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from tests.server.conftest import Stack
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]
pytestmark = pytest.mark.slow


def test_onboarding_installs_the_executor_and_keeps_its_jobs_in_the_registry(
    stack: Stack, lakerun_wheel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_PLATFORM_KEY", "platform-secret-42")
    body = {
        "cluster_id": "local",
        "wheel": str(lakerun_wheel),
        "tenant_id": "acme",
        "platform_credential_ref": "env:TEST_PLATFORM_KEY",
    }
    response = stack.api.post("/v1/workspaces/local/onboard", json=body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert "platform-secret-42" not in response.text
    assert report["status"] == "success", report
    assert [s["step"] for s in report["steps"]][-1] == "schema_validation"
    registry = {job["key"]: job["job_id"] for job in stack.api.get("/v1/jobs").json()}
    assert {registry[f"executor:acme:{kind}"] for kind in report["jobs"]} == set(report["jobs"].values())

    again = stack.api.post("/v1/workspaces/local/onboard", json=body).json()
    assert again["status"] == "success" and again["jobs"] == report["jobs"]


def test_onboarding_refuses_unknown_workspaces_and_unset_credentials(stack: Stack) -> None:
    unknown = stack.api.post("/v1/workspaces/nowhere/onboard", json={"cluster_id": "local", "wheel": "x.whl"})
    assert unknown.status_code == 404 and "nowhere" in unknown.json()["detail"]
    body = {"cluster_id": "local", "wheel": "x.whl", "platform_credential_ref": "env:LAKERUN_UNSET_VAR_9"}
    unset = stack.api.post("/v1/workspaces/local/onboard", json=body)
    assert unset.status_code == 422 and "LAKERUN_UNSET_VAR_9" in unset.json()["detail"]


def test_onboarded_executor_sends_its_metadata_to_this_control_plane(
    stack: Stack, lakerun_wheel: Path, tmp_path: Path
) -> None:
    data = tmp_path / "landing"
    data.mkdir()
    (data / "orders.csv").write_text("id,amount,day\n1,9.5,2024-01-02\n2,,2024-01-03\n3,4.25,2024-01-04\n")
    body = {
        "cluster_id": "local",
        "wheel": str(lakerun_wheel),
        "tenant_id": "globex",
        "data_source_path": str(data),
        "secret_scope": "globex-executor",
    }
    report = stack.api.post("/v1/workspaces/local/onboard", json=body).json()
    assert report["status"] == "success", report
    assert report["platform_endpoint"] == stack.server.url + "/v1/metadata/batches"

    client = WorkspaceClient(host=stack.workspace.url, token=stack.workspace.token)
    stored = client.secrets.get_secret(scope="globex-executor", key="lakerun-api-key").value
    token = base64.b64decode(stored or "").decode()
    assert token.startswith("lrk_") and token not in json.dumps(report)
    assert (
        stack.api.get("/v1/metadata/tenants", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    run = client.jobs.run_now(job_id=report["jobs"]["full_pipeline"]).result(timeout=timedelta(minutes=5))
    assert run.state and run.state.result_state == jobs.RunResultState.SUCCESS, run.state

    records = stack.api.get("/v1/metadata/records", params={"tenant_id": "globex", "limit": 100}).json()
    kinds = sorted(r["kind"] for r in records["items"])
    assert kinds == ["column", "column", "column", "source", "table"]
    table = next(r["data"] for r in records["items"] if r["kind"] == "table")
    assert table["row_count"] == 3
