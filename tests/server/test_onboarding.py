"""Onboarding through the control plane: `POST /v1/workspaces/{name}/onboard` against a real local workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Stack, sqlite_stack
from tests.store.databases import sqlite_template

__all__ = ["sqlite_template"]
pytestmark = pytest.mark.slow


@pytest.fixture
def stack(
    sqlite_template: Path, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    with sqlite_stack(sqlite_template, tmp_path, local_workspace, monkeypatch) as built:
        yield built


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
