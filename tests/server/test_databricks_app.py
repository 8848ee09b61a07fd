"""The Databricks App: app.yaml's command, run with exactly the variables Databricks Apps injects, against a
local workspace that knows the app's service principal (OAuth M2M)."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from lakerun.client import Lakerun
from lakerun.local.server import free_port
from tests.server.conftest import python_task
from tests.server.serving import clean_env, start, workspace_process

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[2] / "deploy" / "databricks-app"
CLIENT_ID = "lakerun-app-sp"


def test_app_yaml_command_serves_the_hosting_workspace(tmp_path: Path) -> None:
    secret = f"app-secret-{uuid.uuid4().hex}"
    oauth = clean_env(LAKERUN_WORKSPACE_OAUTH_CLIENTS=f"{CLIENT_ID}:{secret}")
    with workspace_process(tmp_path / "databricks", env=oauth) as workspace:
        app_dir = tmp_path / "app"
        shutil.copytree(APP, app_dir)
        command = yaml.safe_load((app_dir / "app.yaml").read_text())["command"]
        assert command[:2] == ["lakerun", "serve"]
        port, token = free_port(), f"lrk_{uuid.uuid4().hex}"
        injected = {
            "DATABRICKS_HOST": workspace.url,
            "DATABRICKS_CLIENT_ID": CLIENT_ID,
            "DATABRICKS_CLIENT_SECRET": secret,
            "DATABRICKS_APP_PORT": str(port),
        }
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path / "home"),
            "LAKERUN_API_TOKEN": token,  # from app.yaml's `valueFrom: lakerun-api-token`
            **injected,
        }
        served = start(command[1:], f"http://127.0.0.1:{port}", app_dir / "app.log", env, app_dir)
        try:
            ready = httpx.get(f"{served.url}/readyz", timeout=30).json()
            assert ready["ready"] and ready["workspaces"]["hosting"]["ok"] is True, ready
            with Lakerun(served.url, token) as client:
                workspaces = client.http.get("/v1/workspaces").json()
                assert [(w["name"], w["auth_type"], w["host"]) for w in workspaces] == [
                    ("hosting", "sdk", workspace.url)
                ]
                attempt = client.trigger("from-the-app", workspace="hosting", tasks=[python_task()])
                done = client.wait(attempt.id, timeout=120, poll_interval=0.5)
            assert done.status == "SUCCESS", done
            assert {t.source for t in done.transitions} <= {"api", "poll"}
        finally:
            served.stop()
        log = served.output()
        assert secret not in log and token not in log
        assert all(line.startswith("{") for line in log.splitlines() if "lakerun.http" in line)
