"""The README's "Deploy" commands, run as written (only the port and the token are made unique)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from lakerun.local.server import free_port
from tests.server.serving import clean_env
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _deploy_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Deploy", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def _shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_readme_deploy_commands_work_as_written(tmp_path: Path) -> None:
    for name in (".venv", "deploy"):
        (tmp_path / name).symlink_to(REPO / name)
    port = free_port()
    commands = [
        c.replace("8900", str(port)).replace("lrk_choose-a-long-one", "lrk_readme-deploy-token")
        for c in _deploy_commands()
    ]
    schema, check, upgrade, serve, readyz, metrics = commands
    env = clean_env()

    assert _shell(schema, tmp_path, env).returncode == 0
    assert json.loads((tmp_path / "lakerun.schema.json").read_text())["additionalProperties"] is False
    checked = _shell(check, tmp_path, env)
    assert checked.returncode == 0 and "valid" in checked.stdout, checked.stderr
    upgraded = _shell(upgrade, tmp_path, env)
    assert upgraded.returncode == 0 and "database at revision" in upgraded.stdout, upgraded.stderr

    server = subprocess.Popen(
        ["bash", "-c", serve.removesuffix("&").strip()], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        ready = _retry(lambda: _shell(readyz, tmp_path, env), lambda done: done.stdout.startswith("{"))
        report = json.loads(ready.stdout)
        assert report["ready"] is True and report["migrations"]["at_head"] is True
        assert (
            report["workspaces"]["local"]["ok"] is False
        )  # nothing serves 127.0.0.1:8765 here; reported only
        scraped = _shell(metrics, tmp_path, env).stdout
        assert re.search(r"^lakerun_reconciler_pass_seconds_count ", scraped, re.MULTILINE)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert (tmp_path / ".lakerun" / "control.db").exists()


Done = subprocess.CompletedProcess[str]


def _retry(run: Callable[[], Done], ok: Callable[[Done], bool], seconds: float = 60) -> Done:
    return eventually(run, ok, timeout=seconds, interval=0.3)
