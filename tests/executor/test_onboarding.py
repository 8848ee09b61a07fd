"""Onboarding a real local workspace through `lakerun onboard`, twice (the second run updates)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.executor.conftest import EXECUTOR, query

LAKERUN = EXECUTOR.with_name("lakerun")

pytestmark = pytest.mark.slow


def _onboard(local_workspace, wheel: Path, extra: list[str]) -> tuple[int, dict]:
    command = [
        str(LAKERUN), "onboard", "--workspace", local_workspace.url, "--cluster-id", "local", "--wheel", str(wheel),
        "--tenant-id", "acme", "--data-source-path", "/Volumes/main/default/raw/", *extra,
    ]  # fmt: skip
    env = {**os.environ, "DATABRICKS_TOKEN": local_workspace.token, "LAKERUN_API_KEY": "platform-secret-9"}
    env.pop("DATABRICKS_HOST", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert "platform-secret-9" not in done.stdout + done.stderr
    assert "schema_validation" in done.stderr or done.returncode != 0
    return done.returncode, json.loads(done.stdout)


def test_onboarding_installs_stores_creates_and_validates(
    local_workspace, ws_client, workspace_root: Path, lakerun_wheel: Path
) -> None:
    code, report = _onboard(local_workspace, lakerun_wheel, [])
    assert code == 0, report
    assert [s["step"] for s in report["steps"]] == [
        "upload_wheel",
        "install_library",
        "secrets",
        "jobs",
        "schema_validation",
    ]
    assert set(report["jobs"]) == {"schema_validation", "metadata_extraction", "full_pipeline"}
    libraries = list(ws_client.libraries.cluster_status(cluster_id="local"))
    assert [lib.status.value for lib in libraries] == ["INSTALLED"]
    assert [s.key for s in ws_client.secrets.list_secrets(scope="lakerun-executor")] == ["lakerun-api-key"]
    db = workspace_root / "dbfs" / "lakerun" / "executor" / "metadata.duckdb"
    [(mode, status)] = query(db, "SELECT run_mode, status FROM _executor_metadata.executor_runs")
    assert (mode, status) == ("schema_validation", "Success")

    again_code, again = _onboard(local_workspace, lakerun_wheel, [])
    assert again_code == 0, again
    assert again["jobs"] == report["jobs"]
    assert len(list(ws_client.jobs.list())) == 3


def test_onboarding_reports_the_failing_step(
    local_workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from lakerun.cli.main import app

    monkeypatch.setenv("DATABRICKS_TOKEN", local_workspace.token)
    missing = tmp_path / "missing.whl"
    args = ["onboard", "--workspace", local_workspace.url, "--cluster-id", "local", "--wheel", str(missing)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 1
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert report["steps"] == [
        {"step": "upload_wheel", "status": "failed", "error": f"wheel not found: {missing}"}
    ]


def test_an_unreachable_or_unauthenticated_workspace_is_named_at_once(
    local_workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from lakerun.cli.main import app
    from lakerun.local.server import free_port

    for name in ("DATABRICKS_TOKEN", "DATABRICKS_HOST", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.databrickscfg to fall back on
    nowhere = f"http://127.0.0.1:{free_port()}"
    args = ["onboard", "--cluster-id", "local", "--wheel", "x.whl", "--workspace"]
    down = CliRunner().invoke(app, [*args, nowhere])
    assert down.exit_code == 2 and f"cannot reach {nowhere}" in down.output
    anonymous = CliRunner().invoke(app, [*args, local_workspace.url])
    assert anonymous.exit_code == 2 and f"cannot authenticate to {local_workspace.url}" in anonymous.output
