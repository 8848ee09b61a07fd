"""Cancelling an attempt while its launch is in flight: it ends CANCELLED and its run is cancelled once known."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from sqlalchemy import text

from lakerun.control.callbacks import attempt_secret
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from lakerun.store.db import make_engine
from tests.server.conftest import Stack, python_task, running_stack, workspace_with_faults
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow
SLOW_SUBMIT_MS = 2500
TERMINAL_RUN_STATES = {"TERMINATED", "INTERNAL_ERROR", "SKIPPED"}


@pytest.fixture
def slow_stack(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Stack, WorkspaceClient]]:
    """A stack whose workspace answers runs/submit only after SLOW_SUBMIT_MS: every launch is in flight a while."""
    faults = [{"kind": "latency", "path": "jobs/runs/submit", "latency_ms": SLOW_SUBMIT_MS}]
    with (
        workspace_with_faults(tmp_path / "slow", faults) as workspace,
        running_stack(database_url, tmp_path / "home", workspace, monkeypatch) as stack,
    ):
        yield stack, WorkspaceClient(host=workspace.url, token=workspace.token)


def wait_for(check: Any, what: str, timeout: float = 120) -> Any:
    """The first truthy value of `check()`, failing with `what` after `timeout` seconds."""
    return eventually(check, timeout=timeout, what=what)


def held_in_flight(stack: Stack, attempt_id: str) -> None:
    """Waits until a launcher holds the attempt's intent (its runs/submit is under way) with no run recorded."""
    eventually(lambda: stack.plane.runs.launcher.held() >= 1, timeout=120, what="the launch never started")
    assert stack.api.get(f"/v1/runs/{attempt_id}").json()["run_id"] is None


def run_state(client: WorkspaceClient, run_id: int) -> tuple[str, str]:
    state = client.jobs.get_run(run_id=run_id).state
    life = state.life_cycle_state.value if state and state.life_cycle_state else ""
    result = state.result_state.value if state and state.result_state else ""
    return life, result


def run_id_of(stack: Any, attempt_id: str) -> int | None:
    """The run id the control plane has recorded for the attempt, if any."""
    run_id: int | None = stack.api.get(f"/v1/runs/{attempt_id}").json()["run_id"]
    return run_id


def cancelled_remotely(client: WorkspaceClient, run_id: int) -> bool:
    life, result = run_state(client, run_id)
    return life in TERMINAL_RUN_STATES and result == "CANCELED"


def signed_event(stack: Stack, attempt_id: str, sequence: int, kind: str, payload: dict[str, Any]) -> int:
    """Posts a task event signed as the attempt's task would sign it; returns the HTTP status."""
    body = json.dumps({"sequence": sequence, "kind": kind, "sent_at": time.time(), "payload": payload})
    timestamp = str(int(time.time()))
    signature = sign(attempt_secret(stack.plane.ctx.server_key, attempt_id), timestamp, body.encode())
    response = httpx.post(
        f"{stack.server.url}/v1/attempts/{attempt_id}/events",
        content=body,
        headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature},
        timeout=60,
    )
    return response.status_code


def terminal_transitions(stack: Stack, attempt_id: str) -> list[str]:
    transitions = stack.api.get(f"/v1/runs/{attempt_id}").json()["transitions"]
    return [t["to_status"] for t in transitions if t["to_status"] not in ("CREATING", "QUEUED", "RUNNING")]


def test_a_cancel_during_the_launch_ends_cancelled_and_cancels_the_run(
    slow_stack: tuple[Stack, WorkspaceClient],
) -> None:
    stack, client = slow_stack
    attempt = stack.trigger(subject_key="in-flight", tasks=[python_task("sleep")])
    held_in_flight(stack, attempt["id"])
    cancelled = stack.api.post(f"/v1/runs/{attempt['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    recorded = wait_for(
        lambda: stack.api.get(f"/v1/runs/{attempt['id']}").json()["run_id"],
        "the started run was never recorded",
    )
    wait_for(
        lambda: cancelled_remotely(client, recorded), "the run started for a cancelled attempt still runs"
    )
    stack.plane.reconciler.run_pass()
    assert stack.api.get(f"/v1/runs/{attempt['id']}").json()["status"] == "CANCELLED"
    assert terminal_transitions(stack, attempt["id"]) == ["CANCELLED"]


def test_a_callback_racing_the_launch_of_a_cancelled_attempt_neither_revives_it_nor_saves_its_run(
    slow_stack: tuple[Stack, WorkspaceClient],
) -> None:
    stack, client = slow_stack
    attempt = stack.trigger(subject_key="in-flight-callback", tasks=[python_task("sleep")])
    held_in_flight(stack, attempt["id"])
    assert stack.api.post(f"/v1/runs/{attempt['id']}/cancel").json()["status"] == "CANCELLED"
    assert signed_event(stack, attempt["id"], 1, "progress", {"progress": 0.5}) == 200
    recorded = wait_for(
        lambda: stack.api.get(f"/v1/runs/{attempt['id']}").json()["run_id"],
        "the started run was never recorded",
    )
    wait_for(
        lambda: cancelled_remotely(client, recorded), "a callback kept the run of a cancelled attempt alive"
    )
    assert signed_event(stack, attempt["id"], 2, "completed", {"message": "late"}) == 200
    assert signed_event(stack, attempt["id"], 3, "progress", {"progress": 0.9}) == 200
    stack.plane.reconciler.run_pass()
    final = stack.api.get(f"/v1/runs/{attempt['id']}").json()
    assert final["status"] == "CANCELLED" and final["progress"] != 0.9
    assert terminal_transitions(stack, attempt["id"]) == ["CANCELLED"]


def test_cancels_landing_just_as_the_launch_records_its_run_all_end_cancelled(
    slow_stack: tuple[Stack, WorkspaceClient],
) -> None:
    """Cancels spread around the moment runs/submit answers: some land before the run id is recorded,
    some after, some while it is being recorded; every attempt ends CANCELLED with its run cancelled.
    """
    stack, client = slow_stack
    attempts = []
    for number in range(8):
        attempt = stack.trigger(subject_key=f"edge-{number}", tasks=[python_task("sleep")])
        held_in_flight_any(stack, attempt["id"])
        time.sleep(SLOW_SUBMIT_MS / 1000 - 0.3 + number * 0.08)
        stack.api.post(f"/v1/runs/{attempt['id']}/cancel")
        attempts.append(attempt["id"])
    for attempt_id in attempts:
        final = stack.wait(attempt_id, timeout=120)
        assert final["status"] == "CANCELLED", final
        run_id = wait_for(
            lambda a=attempt_id: stack.api.get(f"/v1/runs/{a}").json()["run_id"], "run never recorded"
        )
        wait_for(lambda r=run_id: cancelled_remotely(client, r), f"run {run_id} of {attempt_id} still runs")
        assert terminal_transitions(stack, attempt_id) == ["CANCELLED"]


def held_in_flight_any(stack: Stack, attempt_id: str) -> None:
    """Waits until the attempt's launch is under way (a launcher holds its intent)."""
    wait_for(
        lambda: (
            stack.plane.runs.launcher.held() >= 1
            or stack.api.get(f"/v1/runs/{attempt_id}").json()["run_id"] is not None
        ),
        "the launch never started",
    )


@contextmanager
def attempt_locked(database_url: str, attempt_id: str) -> Iterator[None]:
    """Holds the attempt's write lock from outside (a slow or busy database): writers queue behind it."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                query = text("SELECT id FROM attempts WHERE id = :id FOR UPDATE")
                connection.execute(query, {"id": attempt_id})
            try:
                yield
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def post_cancel(stack: Stack, attempt_id: str, answers: list[httpx.Response]) -> None:
    answers.append(stack.api.post(f"/v1/runs/{attempt_id}/cancel"))


def test_a_cancel_queued_behind_the_recording_of_the_run_still_cancels_it(
    slow_stack: tuple[Stack, WorkspaceClient],
) -> None:
    """The launcher has the run id and waits to record it; a cancel arrives and waits too. Whichever
    writes first, the attempt ends CANCELLED and its run is cancelled (several rounds, both orders).
    """
    stack, client = slow_stack
    for number in range(3):
        attempt = stack.trigger(subject_key=f"locked-{number}", tasks=[python_task("sleep")])
        held_in_flight(stack, attempt["id"])
        before = len(list(client.jobs.list_runs()))
        with attempt_locked(stack.plane.ctx.settings.resolved_database_url(), attempt["id"]):
            wait_for(lambda b=before: len(list(client.jobs.list_runs())) > b, "runs/submit never answered")
            time.sleep(0.5)
            answers: list[httpx.Response] = []
            cancel = threading.Thread(target=post_cancel, args=(stack, attempt["id"], answers))
            cancel.start()
            time.sleep(0.5)
        cancel.join(timeout=120)
        assert answers and answers[0].status_code == 200, answers and answers[0].text
        final = stack.wait(attempt["id"], timeout=120)
        assert final["status"] == "CANCELLED", final
        run_id = eventually(
            partial(run_id_of, stack, attempt["id"]),
            timeout=120,
            what="no run",
        )
        wait_for(lambda r=run_id: cancelled_remotely(client, r), f"run {run_id} still runs")
        assert terminal_transitions(stack, attempt["id"]) == ["CANCELLED"]
