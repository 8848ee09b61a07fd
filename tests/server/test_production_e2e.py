"""Three processes as in production: `lakerun workspace serve` (standing in for Databricks), `lakerun serve`
with PostgreSQL and two workers, and the example backend; profile runs triggered, followed, cancelled,
retried and repaired, and a worker killed without a subscriber on the other one missing an event."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from lakerun.client import Lakerun, LakerunError, RunEvent
from lakerun.local.server import free_port
from tests.server.serving import Process, clean_env, serve_process, workspace_process
from tests.store.databases import _admin_engine
from tests.support.components import unavailable
from tests.support.eventually import eventually

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
REPO = Path(__file__).resolve().parents[2]
TOKEN = f"lrk_{uuid.uuid4().hex}"
TERMINAL = {"SUCCESS", "FAILED", "CANCELLED", "TIMEDOUT", "SKIPPED"}


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database (lakerun serve migrates it), dropped afterwards."""
    admin = _admin_engine()
    if admin is None:
        unavailable("postgres", "no PostgreSQL server reachable at 127.0.0.1:5432")
    name = f"lakerun_e2e_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _workers(served: Process, count: int) -> list[int]:
    """The worker processes' ids, as each one announces itself."""
    return eventually(
        lambda: sorted({int(pid) for pid in re.findall(r"worker (\d+) serving", served.output())}),
        lambda pids: len(pids) >= count,
        interval=0.2,
        what="every worker announced",
    )


def _subscribers_by_pid(url: str, scrapes: int = 40) -> dict[int, float]:
    """Each worker's open subscriptions, as its own `/metrics` says (scrapes land on either worker)."""
    found: dict[int, float] = {}
    for _ in range(scrapes):
        body = httpx.get(url + "/metrics", timeout=10).text
        for pid, value in re.findall(r'lakerun_websocket_subscribers\{pid="(\d+)"\} (\S+)', body):
            found[int(pid)] = float(value)
    return found


class Subscriber:
    """A client following every event of some subjects on its own thread, over one WebSocket."""

    def __init__(self, url: str, subjects: list[str]) -> None:
        self.events: list[RunEvent] = []
        self.client = Lakerun(url, TOKEN)
        self.subjects = subjects
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self) -> None:
        with contextlib.suppress(LakerunError):
            for event in self.client.events(subjects=self.subjects):
                self.events.append(event)


def _backend(folder: Path, lakerun_url: str) -> Process:
    port = free_port()
    env = clean_env(LAKERUN_URL=lakerun_url, LAKERUN_API_TOKEN=TOKEN, LAKERUN_WORKSPACE="local")
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "app:app",
        "--app-dir",
        str(REPO / "examples" / "backend"),
        "--port",
        str(port),
    ]
    with (folder / "backend.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    backend = Process(f"http://127.0.0.1:{port}", process, folder / "backend.log")
    try:
        eventually(
            lambda: httpx.get(backend.url + "/data-quality/table-groups", timeout=2).status_code == 200,
            interval=0.2,
            ignoring=(httpx.TransportError,),
            what="the example backend",
        )
    except AssertionError as failure:
        backend.stop()
        raise AssertionError(f"{failure}:\n{backend.output()}") from None
    return backend


def _wait(api: httpx.Client, run_id: str, until: set[str]) -> dict[str, Any]:
    return eventually(
        lambda: dict(api.get(f"/data-quality/profile-runs/{run_id}").json()),
        lambda run: run["status"] in until,
        timeout=120,
        interval=0.2,
        what=f"{run_id} in {until}",
    )


def _sse(api: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    """The run's events as the backend streams them (it follows lakerun's WebSocket) until the run ends."""
    events = []
    with api.stream("GET", f"/data-quality/profile-runs/{run_id}/events", timeout=120) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
    return events


def test_workspace_serve_and_backend_as_three_processes(tmp_path: Path, fresh_postgres: str) -> None:
    with workspace_process(tmp_path / "databricks") as workspace:
        port = free_port()
        config = f"""
database_url = "{fresh_postgres}"
public_url = "http://127.0.0.1:{port}"
reconcile_interval = 0.5
launch_grace = 2.0
callback_secret_delivery = "parameter"

[server]
workers = 2

[[workspaces]]
name = "local"
host = "{workspace.url}"
token = "env:WORKSPACE_TOKEN"
"""
        env = clean_env(WORKSPACE_TOKEN="dapi-local", LAKERUN_API_TOKEN=TOKEN, LAKERUN_PORT=str(port))
        with serve_process(tmp_path / "control", config, env=env) as served:
            assert httpx.get(served.url + "/readyz", timeout=30).json()["ready"]
            workers = _workers(served, 2)
            assert len(workers) == 2, served.output()
            subscriber = Subscriber(served.url, ["orders-dq", "customers-dq"])
            eventually(lambda: any(_subscribers_by_pid(served.url, 4).values()), interval=0.2)
            holders = [pid for pid, count in _subscribers_by_pid(served.url).items() if count >= 1]
            assert len(holders) == 1
            [victim] = [pid for pid in workers if pid != holders[0]]
            os.kill(victim, signal.SIGKILL)

            backend = _backend(tmp_path, served.url)
            try:
                api = httpx.Client(base_url=backend.url, timeout=120)
                ok = api.post("/data-quality/table-groups/orders-dq/profile-runs").json()
                streamed = _sse(api, ok["profile_run_id"])
                assert streamed[0]["state"] == "CREATING" and streamed[-1]["state"] == "SUCCESS"
                page = api.get(
                    f"/data-quality/profile-runs/{ok['profile_run_id']}/complete", params={"wait": 30}
                ).text
                assert "<span id=status>SUCCESS</span>" in page and "<th>anomalies</th><td>3</td>" in page

                failing = api.post(
                    "/data-quality/table-groups/customers-dq/profile-runs", json={"fail_once": True}
                ).json()
                failed = _wait(api, failing["profile_run_id"], TERMINAL)
                assert failed["status"] == "FAILED" and "on purpose" in (failed["error"] or "")
                repaired = api.post(f"/data-quality/profile-runs/{failed['profile_run_id']}/repair").json()
                assert _wait(api, repaired["profile_run_id"], TERMINAL)["status"] == "SUCCESS"
                retried = api.post(f"/data-quality/profile-runs/{failed['profile_run_id']}/retry").json()
                assert _wait(api, retried["profile_run_id"], TERMINAL)["status"] == "SUCCESS"

                slow = api.post(
                    "/data-quality/table-groups/orders-dq/profile-runs", json={"mode": "sleep"}
                ).json()
                _wait(api, slow["profile_run_id"], {"RUNNING"})
                cancelled = api.post(f"/data-quality/profile-runs/{slow['profile_run_id']}/cancel").json()
                assert cancelled["status"] == "CANCELLED"

                history = api.get("/data-quality/table-groups/customers-dq/profile-runs").json()
                assert [r["status"] for r in history] == ["SUCCESS", "SUCCESS", "FAILED"]
                assert api.get("/data-quality/profile-runs/no-such-run").status_code == 404
            finally:
                backend.stop()

            time.sleep(1.0)
            with Lakerun(served.url, TOKEN) as client:
                stored = _replayed(client, ["orders-dq", "customers-dq"], subscriber.events[-1].id)
            received = [e.id for e in subscriber.events]
            assert received == sorted(set(received))
            assert [e.id for e in stored] == received, "the subscriber missed or reordered events"
            assert {e.state for e in subscriber.events} >= {
                "CREATING",
                "RUNNING",
                "SUCCESS",
                "FAILED",
                "CANCELLED",
            }
            assert TOKEN not in served.output()


def _replayed(client: Lakerun, subjects: list[str], last_id: int) -> list[RunEvent]:
    """Every stored event of the subjects up to `last_id`, replayed from the start."""
    stored = []
    for event in client.events(subjects=subjects, last_event_id=0):
        stored.append(event)
        if event.id >= last_id:
            return stored
    return stored
