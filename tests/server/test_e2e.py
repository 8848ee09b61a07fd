"""End to end through the local workspace: every strategy, callbacks on and off, failure, cancel, retry, repair."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.server.conftest import Stack, python_task
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


def terminal_transition(run: dict) -> dict:
    return next(t for t in run["transitions"] if t["to_status"] == run["status"])


def register_shared_job(stack: Stack, key: str, tasks: list[dict]) -> int:
    settings = {"name": f"shared-{key}", "tasks": tasks, "parameters": [{"name": "mode", "default": "ok"}]}
    response = stack.api.put(f"/v1/jobs/local/{key}", json=settings)
    assert response.status_code == 200, response.text
    return int(response.json()["job_id"])


def shared_task(key: str = "main", extra: list[str] | None = None) -> dict:
    task = python_task(key=key)
    task["spark_python_task"]["parameters"] = ["--mode={{job.parameters.mode}}", *(extra or [])]
    return task


@pytest.mark.parametrize("strategy", ["one_time", "job_per_attempt", "shared_job"])
def test_each_strategy_succeeds_by_callback(scoped_stack: Stack, strategy: str) -> None:
    stack = scoped_stack
    body: dict = {"subject_key": f"flow-{strategy}", "subject_kind": "flow", "strategy": strategy}
    if strategy == "shared_job":
        register_shared_job(stack, "profile", [shared_task()])
        body["job_key"] = "profile"
    else:
        body["tasks"] = [python_task()]
    run = stack.wait(stack.trigger(**body)["id"])
    assert run["status"] == "SUCCESS"
    assert terminal_transition(run)["source"] == "callback"
    assert run["result"] == {"rows": 42}
    assert run["run_id"] is not None
    statuses = [t["to_status"] for t in run["transitions"]]
    assert statuses[0] == "CREATING" and statuses[-1] == "SUCCESS"


def test_without_callbacks_the_reconciler_finds_success(stack: Stack) -> None:
    run = stack.trigger(subject_key="quiet", strategy="one_time", tasks=[python_task()], callbacks=False)
    done = stack.wait(run["id"])
    assert done["status"] == "SUCCESS"
    assert terminal_transition(done)["source"] == "poll"
    assert done["raw_state"].startswith("TERMINATED")
    assert [t["status"] for t in done["tasks"]] == ["SUCCESS"]


def test_crashing_task_fails_with_its_error_and_output(stack: Stack) -> None:
    run = stack.wait(stack.trigger(subject_key="crashy", tasks=[python_task("crash")])["id"])
    assert run["status"] == "FAILED"
    assert "task exploded on purpose" in run["error"]
    assert run["tasks"][0]["status"] == "FAILED"
    outputs = stack.api.get(f"/v1/runs/{run['id']}/output").json()
    assert "about to crash" in outputs[0]["logs"]
    assert "task exploded on purpose" in (outputs[0]["error"] or "") + (outputs[0]["error_trace"] or "")


def test_cancel_waits_for_the_workspace_to_confirm(stack: Stack) -> None:
    run = stack.trigger(subject_key="long", tasks=[python_task("sleep")])
    stack.wait(run["id"], until=lambda r: r["status"] == "RUNNING")
    cancelled = stack.api.post(f"/v1/runs/{run['id']}/cancel").json()
    assert cancelled["status"] == "CANCELLED"
    detail = stack.api.get(f"/v1/runs/{run['id']}").json()
    assert terminal_transition(detail)["source"] == "user"
    assert "CANCELED" in detail["raw_state"]
    again = stack.api.post(f"/v1/runs/{run['id']}/cancel")
    assert again.status_code == 409


def test_retry_makes_a_new_attempt_of_the_same_subject(stack: Stack) -> None:
    first = stack.wait(stack.trigger(subject_key="retry-me", tasks=[python_task("crash")])["id"])
    assert first["status"] == "FAILED"
    response = stack.api.post(f"/v1/runs/{first['id']}/retry")
    assert response.status_code == 201
    second = response.json()
    assert second["attempt_number"] == 2
    assert second["retry_of"] == first["id"]
    assert stack.wait(second["id"])["status"] == "FAILED"
    assert stack.api.get(f"/v1/runs/{first['id']}").json()["status"] == "FAILED"


def test_repair_reruns_the_failed_task_of_a_multi_task_job(stack: Stack, tmp_path: Path) -> None:
    flag = tmp_path / "failed-once"
    tasks = [
        shared_task("extract"),
        {**shared_task("load", [f"--fail-once={flag}"]), "depends_on": [{"task_key": "extract"}]},
    ]
    register_shared_job(stack, "etl", tasks)
    run = stack.trigger(subject_key="etl-orders", strategy="shared_job", job_key="etl", callbacks=False)
    failed = stack.wait(run["id"])
    assert failed["status"] == "FAILED"
    assert {t["task_key"]: t["status"] for t in failed["tasks"]} == {"extract": "SUCCESS", "load": "FAILED"}
    response = stack.api.post(f"/v1/runs/{run['id']}/repair", json={})
    assert response.status_code == 201, response.text
    repaired = stack.wait(response.json()["id"])
    assert repaired["status"] == "SUCCESS"
    assert repaired["repair_of"] == run["id"]
    assert repaired["run_id"] == failed["run_id"]
    assert {t["task_key"]: t["status"] for t in repaired["tasks"]} == {
        "extract": "SUCCESS",
        "load": "SUCCESS",
    }
    assert stack.api.get(f"/v1/runs/{run['id']}").json()["status"] == "FAILED"


def test_subject_history_counts_every_attempt(stack: Stack) -> None:
    modes = ["ok", "crash", "ok"]
    ids = [
        stack.trigger(subject_key="orders", subject_kind="table_group", tasks=[python_task(m)])["id"]
        for m in modes
    ]
    assert [stack.wait(i)["status"] for i in ids] == ["SUCCESS", "FAILED", "SUCCESS"]
    history = stack.api.get("/v1/subjects/table_group/orders/history").json()
    assert history["subject"]["total_attempts"] == 3
    assert history["subject"]["successful_attempts"] == 2
    assert history["subject"]["current_attempt_id"] == ids[-1]
    assert [a["attempt_number"] for a in history["attempts"]] == [3, 2, 1]
    assert [a["id"] for a in history["attempts"]] == ids[::-1]
    page = stack.api.get("/v1/runs", params={"subject_key": "orders", "status": "FAILED"}).json()
    assert page["total"] == 1 and page["items"][0]["id"] == ids[1]


def test_an_attempt_past_its_deadline_is_timed_out_and_its_run_cancelled(stack: Stack) -> None:
    run = stack.trigger(subject_key="slowpoke", tasks=[python_task("sleep")], timeout_seconds=3)
    done = stack.wait(run["id"])
    assert done["status"] == "TIMEDOUT"
    assert terminal_transition(done)["reason"] == "deadline exceeded"
    client = stack.plane.ctx.client("local")
    remote = eventually(
        lambda: client.jobs.get_run(run_id=done["run_id"]),
        lambda run: run.state.life_cycle_state.value in ("TERMINATED", "INTERNAL_ERROR", "SKIPPED"),
        interval=0.2,
    )
    assert remote.state.life_cycle_state.value == "TERMINATED"


def test_the_callback_secret_never_appears_in_the_run_and_is_removed_afterwards(scoped_stack: Stack) -> None:
    stack = scoped_stack
    from lakerun.control.callbacks import attempt_secret

    run = stack.wait(stack.trigger(subject_key="secretive", tasks=[python_task()])["id"])
    assert run["status"] == "SUCCESS" and terminal_transition(run)["source"] == "callback"
    secret = attempt_secret(stack.plane.ctx.server_key, run["id"])
    client = stack.plane.ctx.client("local")
    remote = client.jobs.get_run(run_id=run["run_id"])
    assert secret not in json.dumps(remote.as_dict())
    outputs = stack.api.get(f"/v1/runs/{run['id']}/output").json()
    assert secret not in json.dumps(outputs)
    for _ in range(100):
        scope = stack.plane.ctx.secret_scope_of(run["id"])
        keys = [s.key for s in client.secrets.list_secrets(scope=scope)]
        if f"callback-{run['id']}" not in keys:
            break
        time.sleep(0.1)
    assert f"callback-{run['id']}" not in keys
