"""Per-subject concurrency through the API: `refuse` answers 409 while the subject is busy, `queue` waits."""

from __future__ import annotations

import time
from typing import Any

from typer.testing import CliRunner

from lakerun.cli.main import app
from tests.server.conftest import TASK_SCRIPT, Stack, python_task


def test_refuse_answers_409_while_the_subject_has_an_active_attempt(stack: Stack) -> None:
    first = stack.trigger(subject_key="busy", tasks=[python_task("sleep")])
    refused = stack.api.post(
        "/v1/runs", json={"subject_key": "busy", "tasks": [python_task()], "concurrency": "refuse"}
    )
    assert refused.status_code == 409, refused.text
    assert "busy" in refused.json()["detail"] and "refuse" in refused.json()["detail"]
    other = stack.trigger(subject_key="idle", tasks=[python_task()], concurrency="refuse")
    assert other["status"] != "FAILED"
    assert stack.api.get("/v1/runs", params={"subject_key": "busy"}).json()["total"] == 1
    stack.api.post(f"/v1/runs/{first['id']}/cancel")
    stack.wait(first["id"])
    after = stack.trigger(subject_key="busy", tasks=[python_task()], concurrency="refuse")
    assert stack.wait(after["id"])["status"] == "SUCCESS"


def test_queue_launches_the_attempt_once_the_active_one_ends(stack: Stack) -> None:
    first = stack.trigger(subject_key="serial", tasks=[python_task("sleep")])
    stack.wait(first["id"], until=lambda run: run["status"] == "RUNNING")
    queued = stack.trigger(subject_key="serial", tasks=[python_task()], concurrency="queue")
    assert queued["status"] == "CREATING"
    assert "queued behind attempt #1" in queued["status_message"]
    time.sleep(3)
    still = stack.api.get(f"/v1/runs/{queued['id']}").json()
    assert still["status"] == "CREATING" and still["run_id"] is None, "it waits while #1 runs"
    stack.api.post(f"/v1/runs/{first['id']}/cancel")
    assert stack.wait(first["id"])["status"] == "CANCELLED"
    assert stack.wait(queued["id"])["status"] == "SUCCESS"


def test_the_server_default_policy_applies_when_the_trigger_gives_none(stack: Stack) -> None:
    stack.plane.ctx.settings.concurrency_policy = "refuse"
    first = stack.trigger(subject_key="defaulted", tasks=[python_task("sleep")])
    refused = stack.api.post("/v1/runs", json={"subject_key": "defaulted", "tasks": [python_task()]})
    assert refused.status_code == 409
    allowed = stack.api.post(
        "/v1/runs", json={"subject_key": "defaulted", "tasks": [python_task()], "concurrency": "allow"}
    )
    assert allowed.status_code == 201
    for attempt_id in (first["id"], allowed.json()["id"]):
        stack.api.post(f"/v1/runs/{attempt_id}/cancel")


def test_the_cli_refuses_and_allows_as_asked(stack: Stack) -> None:
    def cli(*args: str) -> Any:
        env = {"LAKERUN_URL": stack.server.url, "LAKERUN_API_TOKEN": stack.token}
        return CliRunner().invoke(app, ["runs", *args], env=env, catch_exceptions=False)

    started = cli("trigger", "cli-busy", "--python-file", TASK_SCRIPT, "--param", "mode=sleep")
    attempt_id = started.output.split()[1]
    stack.wait(attempt_id, until=lambda run: run["status"] == "RUNNING")
    refused = cli("trigger", "cli-busy", "--python-file", TASK_SCRIPT, "--concurrency", "refuse")
    assert refused.exit_code == 1 and "409" in refused.output
    retry_refused = cli("retry", attempt_id)
    assert retry_refused.exit_code == 1 and "409" in retry_refused.output
    assert "concurrent" in retry_refused.output
    retried = cli("retry", attempt_id, "--concurrent")
    assert retried.exit_code == 0, retried.output
    for run in stack.api.get("/v1/runs", params={"subject_key": "cli-busy"}).json()["items"]:
        stack.api.post(f"/v1/runs/{run['id']}/cancel")
