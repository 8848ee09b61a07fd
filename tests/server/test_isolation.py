"""One workspace's outage or slowness never holds up the API or another workspace's attempts."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk.config import Config

from lakerun.control.workspaces import WorkspaceSpec, sdk_config
from lakerun.local.server import free_port
from tests.server.conftest import python_task, running_stack, workspace_with_faults

pytestmark = pytest.mark.slow
RETRY_BUDGET = 180
"""The SDK's retry budget per call: the dead workspace's launches hang this long before failing once."""


def test_a_dead_workspace_blocks_neither_the_api_nor_a_healthy_workspace(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_stack(
        database_url, tmp_path / "home", local_workspace, monkeypatch, workspace_retry_seconds=RETRY_BUDGET
    ) as stack:
        dead = WorkspaceSpec(
            name="dead", host=f"http://127.0.0.1:{free_port()}", token_ref="env:LAKERUN_TEST_LOCAL_TOKEN"
        )
        stack.plane.register_workspace(dead)
        body = {"workspace": "dead", "tasks": [python_task()]}
        with ThreadPoolExecutor(45) as pool:
            answers = list(
                pool.map(
                    lambda n: stack.api.post("/v1/runs", json={**body, "subject_key": f"d{n}"}), range(45)
                )
            )
        assert {a.status_code for a in answers} == {201}
        assert stack.api.get("/healthz").status_code == 200
        with_callbacks = stack.trigger(subject_key="healthy-callbacks", tasks=[python_task()])
        polled = stack.trigger(subject_key="healthy-polled", tasks=[python_task()], callbacks=False)
        budget = RETRY_BUDGET / 3
        finished = [stack.wait(run["id"], timeout=budget) for run in (with_callbacks, polled)]
        assert stack.api.get("/healthz").status_code == 200
        dead_states = {stack.api.get(f"/v1/runs/{a.json()['id']}").json()["status"] for a in answers}
    assert [run["status"] for run in finished] == ["SUCCESS", "SUCCESS"]
    assert [t["source"] for t in finished[0]["transitions"]][-1] == "callback"
    assert dead_states == {"CREATING"}, "the dead workspace's attempts still wait for their launch"


def test_a_slow_workspace_does_not_slow_the_trigger_answer(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = [{"kind": "latency", "path": "jobs/*", "latency_ms": 2000}]
    with (
        workspace_with_faults(tmp_path / "slow", slow) as workspace,
        running_stack(database_url, tmp_path / "home", workspace, monkeypatch) as stack,
    ):
        answers = [stack.trigger(subject_key=f"slow-{n}", tasks=[python_task()]) for n in range(5)]
        finished = [stack.wait(run["id"], timeout=90) for run in answers]
    assert {(run["status"], run["run_id"]) for run in answers} == {("CREATING", None)}
    assert {run["status"] for run in finished} == {"SUCCESS"}
    assert len({run["run_id"] for run in finished}) == 5


@contextmanager
def silent_host() -> Iterator[str]:
    """A host that accepts connections and never answers (a hung proxy, a black-holed route)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_listing_workspaces_answers_while_some_never_answer(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each silent workspace is reported down after the probe's budget, all probed at once, so the list
    answers well within a client's patience (30 s here) instead of waiting out each one's HTTP timeout."""
    with (
        silent_host() as first,
        silent_host() as second,
        running_stack(database_url, tmp_path / "home", local_workspace, monkeypatch) as stack,
    ):
        for name, host in (("silent-1", first), ("silent-2", second)):
            stack.plane.register_workspace(
                WorkspaceSpec(name=name, host=host, token_ref="env:LAKERUN_TEST_LOCAL_TOKEN")
            )
        with httpx.Client(base_url=stack.server.url, headers=stack.api.headers, timeout=30) as patient:
            listed = patient.get("/v1/workspaces")
    assert listed.status_code == 200
    health = {w["name"]: w["health"]["ok"] for w in listed.json()}
    assert health == {"local": True, "silent-1": False, "silent-2": False}


def test_a_token_config_for_a_silent_host_is_built_without_waiting_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SDK probes the host's metadata while building a Config; a token needs nothing from that probe,
    so a workspace that never answers it must not hold a launch for the config's whole retry budget."""
    monkeypatch.setenv("LAKERUN_TEST_SILENT_TOKEN", "dapi-silent")
    built: list[Config] = []
    with silent_host() as host:
        row = WorkspaceSpec(name="silent", host=host, token_ref="env:LAKERUN_TEST_SILENT_TOKEN").to_row()
        thread = threading.Thread(target=lambda: built.append(sdk_config(row)), daemon=True)
        thread.start()
        thread.join(60)
    assert built, "building the config was still waiting on the silent host after a minute"
    assert (built[0].retry_timeout_seconds, built[0].http_timeout_seconds) == (120, 60)
    assert built[0].token == "dapi-silent"
