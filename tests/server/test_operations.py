"""Operating `lakerun serve`: `/metrics` scraped for the named series, JSON logs with attempt ids and no secret."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from websockets.sync.client import connect

from lakerun.local.server import free_port
from tests.server.conftest import TASK_SCRIPT, TERMINAL
from tests.server.serving import clean_env, serve_process, workspace_process

pytestmark = pytest.mark.slow
API_TOKEN = "lrk_operations-token-9f3a1c"


def _series(text: str, name: str) -> dict[str, float]:
    """Every sample of `name` as `{labels: value}`."""
    found = {}
    for line in text.splitlines():
        match = re.match(rf"^{name}(\{{[^}}]*\}})? (\S+)$", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


def test_metrics_and_json_logs_of_a_served_control_plane(tmp_path: Path) -> None:
    with workspace_process(tmp_path / "ws") as workspace:
        port = free_port()
        config = f"""
reconcile_interval = 0.5
public_url = "http://127.0.0.1:{port}"

[server]
log_format = "json"

[[workspaces]]
name = "local"
host = "{workspace.url}"
token = "env:LOCAL_WS_TOKEN"
"""
        env = clean_env(LOCAL_WS_TOKEN="dapi-local", LAKERUN_API_TOKEN=API_TOKEN, LAKERUN_PORT=str(port))
        with serve_process(tmp_path / "cp", config, env=env) as served:
            api = httpx.Client(
                base_url=served.url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=60
            )
            ws_url = served.url.replace("http", "ws", 1) + f"/v1/events?token={quote(API_TOKEN)}"
            with connect(ws_url) as socket:
                task = {"task_key": "main", "spark_python_task": {"python_file": TASK_SCRIPT}}
                attempt = api.post("/v1/runs", json={"subject_key": "metered", "tasks": [task]}).json()
                while attempt["status"] not in TERMINAL:
                    event = json.loads(socket.recv(timeout=90))
                    if event.get("attempt_id") == attempt["id"]:
                        attempt = {**attempt, "status": event["state"]}
                scraped = httpx.get(served.url + "/metrics", timeout=30)
            assert attempt["status"] == "SUCCESS"
            time.sleep(1.0)
            later = httpx.get(served.url + "/metrics", timeout=30).text
            log = served.output()

    assert scraped.headers["content-type"].startswith("text/plain")
    metrics = scraped.text
    assert _series(metrics, "lakerun_attempts") == {'{status="SUCCESS"}': 1.0}
    assert _series(metrics, "lakerun_launch_latency_seconds_count") == {"": 1.0}
    assert _series(metrics, "lakerun_callback_latency_seconds_count").get('{status="200"}', 0) >= 2
    assert _series(later, "lakerun_reconciler_pass_seconds_count")[""] >= 1
    assert set(_series(later, "lakerun_reconciler_api_calls_total")) == {
        '{call="runs/list"}',
        '{call="runs/get"}',
    }
    [(labels, subscribers)] = _series(metrics, "lakerun_websocket_subscribers").items()
    assert subscribers == 1.0 and labels.startswith('{pid="')
    assert list(_series(later, "lakerun_websocket_subscribers").values()) == [0.0]

    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    requests = [line for line in lines if line["logger"] == "lakerun.http"]
    assert any(
        line.get("attempt_id") == attempt["id"] and line["path"].endswith("/events") for line in requests
    )
    for secret in (API_TOKEN, "dapi-local", "operations-token"):
        assert secret not in log, f"a secret reached the log: {secret[:6]}..."
