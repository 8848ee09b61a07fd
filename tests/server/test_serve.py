"""`lakerun serve --config FILE`: validation, schema, workspace synchronisation, readiness and migrations."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from lakerun.control.plane import ControlPlane
from lakerun.control.serve_config import ServeConfig, json_schema, load_config, reference_markdown
from lakerun.control.workspaces import WorkspaceNotFoundError
from lakerun.local.server import free_port
from lakerun.server.service import prepare
from lakerun.store.db import make_engine
from lakerun.store.models import JobRow
from tests.server.conftest import TASK_SCRIPT, TERMINAL
from tests.server.serving import LAKERUN, clean_env, serve_process, workspace_process
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow  # starts `lakerun serve` processes

REPO = Path(__file__).resolve().parents[2]


def _lakerun(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAKERUN, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env or clean_env(),
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("name", "body", "key"),
    [
        ("lakerun.toml", 'public_url = "http://x"\n[server]\nwrokers = 2\n', "server.wrokers"),
        ("lakerun.yaml", "databse_url: sqlite:///x.db\n", "databse_url"),
        ("lakerun.toml", '[[workspaces]]\nname = "p"\nhost = "https://h"\ntoken_ref = "env:T"\n', "workspaces.0.token_ref"),
    ],
)  # fmt: skip
def test_a_typo_is_refused_naming_the_key(tmp_path: Path, name: str, body: str, key: str) -> None:
    path = tmp_path / name
    path.write_text(body)
    done = _lakerun("serve", "--config", str(path), "--check")
    assert done.returncode == 2
    assert f"{key}: unknown key" in done.stderr


def test_bad_values_and_impossible_combinations_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "lakerun.toml"
    path.write_text('[server]\nport = "eighty"\n')
    assert "server.port" in _lakerun("serve", "-c", str(path), "--check").stderr
    path.write_text("[server]\nworkers = 2\n")
    done = _lakerun("serve", "-c", str(path), "--check")
    assert done.returncode == 2 and "server.workers: more than one worker needs PostgreSQL" in done.stderr
    path.write_text('[[workspaces]]\nname = "p"\nhost = "https://h"\ntoken = "plain-secret-value"\n')
    done = _lakerun("serve", "-c", str(path), "--check")
    assert done.returncode == 2 and "workspaces.p" in done.stderr and "env:NAME" in done.stderr
    assert "plain-secret-value" not in done.stderr.replace("'plain-secret-value' must", "")


def test_schema_describes_every_field_and_the_deploy_doc_lists_every_key() -> None:
    printed = _lakerun("serve", "--print-schema")
    assert printed.returncode == 0 and '"additionalProperties": false' in printed.stdout
    schema = json_schema()
    sections = [schema, *schema["$defs"].values()]
    undocumented = [
        key for part in sections for key, field in part["properties"].items() if not field.get("description")
    ]
    assert undocumented == []
    reference = (REPO / "docs" / "deploy.md").read_text()
    assert reference_markdown() in reference, (
        "docs/deploy.md is stale: run python scripts/config_reference.py"
    )


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lakerun.yaml"
    path.write_text("public_url: http://from-file\nserver:\n  port: 9000\n")
    env = {
        "LAKERUN_PUBLIC_URL": "https://lakerun.example.com",
        "LAKERUN_WORKERS": "3",
        "DATABRICKS_APP_PORT": "8123",
    }
    config = load_config(path, env)
    assert config.public_url == "https://lakerun.example.com"
    assert (config.server.port, config.server.workers) == (8123, 3)
    assert load_config(path, {}).server.port == 9000


def _file(tmp_path: Path, database_url: str, workspaces: str) -> ServeConfig:
    path = tmp_path / "lakerun.toml"
    path.write_text(f'database_url = "{database_url}"\nserver_key = "k"\n{workspaces}')
    return load_config(path, {})


FIRST = """
[[workspaces]]
name = "prod"
host = "https://prod.example.com"
token = "env:PROD_TOKEN"

[[workspaces]]
name = "staging"
host = "staging.example.com"
auth = "oauth-m2m"
client_id = "sp-1"
client_secret = "file:/run/secrets/sp"

[[workspaces]]
name = "hosting"
auth = "sdk"
"""
SECOND = """
[[workspaces]]
name = "prod"
host = "https://prod-2.example.com"
token = "env:PROD_TOKEN"

[[workspaces]]
name = "hosting"
auth = "sdk"

[[workspaces]]
name = "dev"
host = "http://127.0.0.1:1"
token = "env:DEV_TOKEN"
"""

PROD_AND_DEV = """
[[workspaces]]
name = "prod"
host = "https://prod.example.com"
token = "env:PROD_TOKEN"

[[workspaces]]
name = "dev"
host = "http://127.0.0.1:1"
token = "env:DEV_TOKEN"
"""


def test_workspaces_follow_the_file_at_every_start(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "adb-123.azuredatabricks.net")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-such-cfg"))
    first = prepare(_file(tmp_path, database_url, FIRST)).workspaces
    assert first is not None and sorted(first.added) == ["hosting", "prod", "staging"]
    again = prepare(_file(tmp_path, database_url, FIRST)).workspaces
    assert (
        again is not None and again.added == [] and sorted(again.unchanged) == ["hosting", "prod", "staging"]
    )
    second = prepare(_file(tmp_path, database_url, SECOND)).workspaces
    assert second is not None
    assert (second.added, second.changed, second.removed) == (["dev"], ["prod"], ["staging"])
    plane = ControlPlane(_file(tmp_path, database_url, SECOND))
    try:
        rows = {row.name: row for row, _ in plane.workspaces()}
        assert sorted(rows) == ["dev", "hosting", "prod"]
        assert rows["prod"].host == "https://prod-2.example.com"
        assert (rows["hosting"].host, rows["hosting"].auth_type) == (
            "https://adb-123.azuredatabricks.net",
            "sdk",
        )
    finally:
        plane.stop()


def test_a_removed_workspace_with_history_is_retired_not_deleted(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEV_TOKEN", "dapi-x")
    config = _file(tmp_path, database_url, PROD_AND_DEV)
    prepare(config)
    plane = ControlPlane(config)
    try:
        with plane.ctx.uow() as uow:
            uow.session.add(JobRow(workspace_name="dev", key="k", job_id=1, fingerprint="f", settings={}))
        report = prepare(_file(tmp_path, database_url, "workspaces = []\n")).workspaces
        assert report is not None and (report.retired, report.removed) == (["dev"], ["prod"])
        assert plane.workspaces() == []
        with pytest.raises(WorkspaceNotFoundError, match="removed from the configuration"):
            plane.ctx.client("dev")
    finally:
        plane.stop()


def test_db_upgrade_and_refusal_to_start_on_a_newer_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'control.db'}"
    env = clean_env(LAKERUN_DATABASE_URL=url)
    upgraded = _lakerun("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert re.search(r"database at revision \w+ \(was None\)", upgraded.stdout)
    assert "already current" in _lakerun("db", "upgrade", env=env).stdout
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    refused = _lakerun("serve", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "9999_from_the_future" in refused.stderr and "newer lakerun" in refused.stderr
    assert _lakerun("db", "upgrade", env=env).returncode == 1


@pytest.mark.slow
def test_serve_alone_runs_attempts_on_a_separately_served_workspace(tmp_path: Path) -> None:
    with workspace_process(tmp_path / "ws") as workspace:
        config = f"""
reconcile_interval = 0.5
callback_secret_delivery = "parameter"

[[workspaces]]
name = "local"
host = "{workspace.url}"
token = "env:LOCAL_WS_TOKEN"
"""
        port = free_port()
        env = clean_env(
            LOCAL_WS_TOKEN="dapi-local",
            LAKERUN_API_TOKEN="lrk_serve-test-token",
            LAKERUN_PORT=str(port),
            LAKERUN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        with serve_process(tmp_path / "cp", config, env=env) as served:
            assert "workspaces added: local" in served.output()
            ready = httpx.get(served.url + "/readyz", timeout=30).json()
            assert ready["ready"] and ready["migrations"]["at_head"]
            assert ready["workspaces"]["local"]["ok"] is True
            api = httpx.Client(
                base_url=served.url, headers={"Authorization": "Bearer lrk_serve-test-token"}, timeout=60
            )
            body = {
                "subject_key": "served",
                "tasks": [{"task_key": "main", "spark_python_task": {"python_file": TASK_SCRIPT}}],
            }
            created = api.post("/v1/runs", json=body)
            assert created.status_code == 201, created.text
            attempt = eventually(
                lambda: api.get(f"/v1/runs/{created.json()['id']}").json(),
                lambda run: run["status"] in TERMINAL,
                timeout=90,
                interval=0.3,
            )
            assert attempt["status"] == "SUCCESS", attempt
            sources = [t["source"] for t in api.get(f"/v1/runs/{attempt['id']}").json()["transitions"]]
            assert "callback" in sources
        assert (tmp_path / "cp" / ".lakerun" / "control.db").exists()
