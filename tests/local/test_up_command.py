"""`lakerun up --exit-after-demo`: the README's run command serves a workspace and the demo run succeeds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lakerun.local.server import free_port

pytestmark = pytest.mark.slow


def test_up_runs_the_demo_to_success(tmp_path: Path) -> None:
    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    command = [
        lakerun,
        "up",
        "--exit-after-demo",
        "--no-demo-flows",  # the NiFi demo has its own test (tests/server/test_flows_deploy.py)
        "--root",
        "state",  # relative, as `make run` gives it
        "--port",
        str(free_port()),
        "--control-port",
        str(free_port()),
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "local workspace: http://127.0.0.1:" in result.stdout
    assert "demo run" in result.stdout and ": SUCCESS" in result.stdout
    assert "hello from the lakerun local workspace" in result.stdout
    assert "dashboard: http://127.0.0.1:" in result.stdout
    assert "demo pipeline pet_claims (raw → gold): SUCCESS" in result.stdout
    assert (
        "demo data quality: table group pet_claims_raw (claims, customers, pets, providers) profiled"
        in result.stdout
    )
