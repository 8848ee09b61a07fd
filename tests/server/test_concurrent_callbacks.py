"""Callbacks racing each other over HTTP, from many threads into several server processes on one database.

Whatever order and interleaving: one terminal transition per attempt, the final state is the terminal
callback that was accepted, an accepted terminal callback is never lost, and a finished attempt's
result never changes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lakerun.control.attempts import TriggerRequest, create_attempt
from lakerun.control.callbacks import attempt_secret
from lakerun.control.plane import ControlPlane
from lakerun.control.status import Status
from lakerun.control.tokens import issue_token
from lakerun.local.server import free_port
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from lakerun.server.app import create_app
from lakerun.server.serve import start_in_thread
from lakerun.store.models import EventRow, utcnow
from tests.server.callback_servers import plane_with_nowhere, quiet_settings, server_processes

pytestmark = pytest.mark.slow
TERMINAL_KINDS = {"completed": Status.SUCCESS, "failed": Status.FAILED}


@dataclass(frozen=True)
class Message:
    """One signed delivery of a callback event."""

    attempt_id: str
    sequence: int
    kind: str
    payload: dict[str, Any]


@dataclass
class Cluster:
    """One control plane served in this process plus server processes, all on one database."""

    plane: ControlPlane
    urls: list[str]


@pytest.fixture
def cluster(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    monkeypatch.setenv("LAKERUN_TEST_NOWHERE_TOKEN", "dapi-nowhere")
    port = free_port()
    settings_ = quiet_settings(database_url, tmp_path / "main", port)
    plane = plane_with_nowhere(settings_)
    server = start_in_thread(create_app(settings_, plane), plane, "127.0.0.1", port)
    try:
        with server_processes(database_url, tmp_path, 2) as others:
            yield Cluster(plane, [server.url, *others])
    finally:
        server.stop()
        plane.stop()


def new_attempt(plane: ControlPlane, subject: str) -> str:
    request = TriggerRequest(subject_key=subject, workspace="nowhere", tasks=[{"task_key": "t"}])
    with plane.ctx.uow() as uow:
        attempt, _ = create_attempt(uow, request, utcnow() + timedelta(hours=1), True)
    return attempt.id


def payload_of(kind: str, sequence: int) -> dict[str, Any]:
    if kind == "completed":
        return {"result": {"done_by": sequence}}
    if kind == "failed":
        return {"error": f"failure {sequence}"}
    if kind == "result":
        return {f"part_{sequence}": sequence}
    return {"progress": min(1.0, sequence / 10), "message": f"step {sequence}"}


def deliver(client: httpx.Client, url: str, plane: ControlPlane, message: Message) -> str:
    body = json.dumps(
        {
            "sequence": message.sequence,
            "kind": message.kind,
            "sent_at": time.time(),
            "payload": message.payload,
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = sign(attempt_secret(plane.ctx.server_key, message.attempt_id), timestamp, body)
    response = client.post(
        f"{url}/v1/attempts/{message.attempt_id}/events",
        content=body,
        headers={
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature,
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["outcome"])


KINDS = st.sampled_from(["progress", "progress", "result", "log", "completed", "failed"])
SCENARIO = st.lists(st.lists(KINDS, min_size=1, max_size=8), min_size=3, max_size=6)


def send_all(cluster: Cluster, messages: list[Message], seed: int) -> list[tuple[Message, str]]:
    """Every message (some twice) shuffled and sent by 12 threads, spread over every server process."""
    rng = random.Random(seed)
    deliveries = messages + rng.sample(messages, k=len(messages) // 3)
    rng.shuffle(deliveries)
    targets = [(message, cluster.urls[i % len(cluster.urls)]) for i, message in enumerate(deliveries)]
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(lambda t: deliver(client, t[1], cluster.plane, t[0]), targets))
    return list(zip(deliveries, outcomes, strict=True))


def check_attempt(cluster: Cluster, attempt_id: str, sent: list[tuple[Message, str]]) -> None:
    applied = [m for m, outcome in sent if outcome == "applied"]
    terminal_sent = [m for m, _ in sent if m.kind in TERMINAL_KINDS]
    terminal_applied = [m for m in applied if m.kind in TERMINAL_KINDS]
    detail = cluster.plane.detail(attempt_id)
    terminal_rows = [t for t in detail.transitions if Status(t.to_status).terminal]
    if terminal_sent:
        assert len(terminal_applied) == 1, "exactly one terminal callback is accepted, none lost"
        winner = terminal_applied[0]
        assert detail.attempt.status == TERMINAL_KINDS[winner.kind].value
        assert [t.to_status for t in terminal_rows] == [detail.attempt.status]
    else:
        assert terminal_rows == [] and not Status(detail.attempt.status).terminal
    statuses = [Status(t.to_status) for t in detail.transitions]
    assert statuses == sorted(statuses, key=list(Status).index), statuses
    assert len(statuses) == len(set(statuses)), "a status is entered once"
    expected_result: dict[str, Any] = {}
    for message in applied:
        if message.kind == "result":
            expected_result.update(message.payload)
        if message.kind == "completed":
            expected_result.update(message.payload["result"])
    assert (detail.attempt.result or {}) == expected_result
    with cluster.plane.ctx.sessions() as session:
        finished_events = session.scalar(
            select(func.count(EventRow.id)).where(
                EventRow.attempt_id == attempt_id,
                EventRow.type.in_(["run.completed", "run.failed", "run.cancelled"]),
            )
        )
    assert finished_events == len(terminal_rows)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario=SCENARIO, seed=st.integers(0, 2**32))
@example(scenario=[["progress", "progress", "completed"]] * 30, seed=7)
def test_concurrent_callbacks_keep_one_terminal_state(
    cluster: Cluster, scenario: list[list[str]], seed: int
) -> None:
    """The explicit example is the race seen in the field: `completed` and `progress` arriving together."""
    messages: list[Message] = []
    attempts = []
    for kinds in scenario:
        attempt_id = new_attempt(cluster.plane, f"race-{time.monotonic_ns()}")
        attempts.append(attempt_id)
        messages += [
            Message(attempt_id, seq, kind, payload_of(kind, seq)) for seq, kind in enumerate(kinds, 1)
        ]
    sent = send_all(cluster, messages, seed)
    for attempt_id in attempts:
        check_attempt(cluster, attempt_id, [(m, o) for m, o in sent if m.attempt_id == attempt_id])


def test_user_cancels_racing_terminal_callbacks_across_processes_leave_one_terminal_state(
    cluster: Cluster,
) -> None:
    """Cancels through the API and `completed` callbacks for the same attempts, shuffled over 12 threads and
    every server process: one of them wins each attempt, the answers say which (both cancels may answer CANCELLED), and nothing
    else ends it."""
    token = issue_token(cluster.plane.ctx, "racer")
    attempts = [new_attempt(cluster.plane, f"cancel-race-{n}-{time.monotonic_ns()}") for n in range(24)]
    work: list[tuple[str, Message]] = []
    for attempt_id in attempts:
        for sequence, kind in enumerate(["progress", "completed", "progress"], 1):
            work.append(("callback", Message(attempt_id, sequence, kind, payload_of(kind, sequence))))
        work += [("cancel", Message(attempt_id, 0, "cancel", {}))] * 2
    random.Random(11).shuffle(work)

    def act(index: int, item: tuple[str, Message], client: httpx.Client) -> str:
        what, message = item
        url = cluster.urls[index % len(cluster.urls)]
        if what == "callback":
            return deliver(client, url, cluster.plane, message)
        response = client.post(
            f"{url}/v1/runs/{message.attempt_id}/cancel", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code in (200, 409), response.text
        return (
            "cancelled"
            if response.status_code == 200 and response.json()["status"] == "CANCELLED"
            else "lost"
        )

    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(lambda pair: act(pair[0], pair[1], client), enumerate(work)))
    for attempt_id in attempts:
        mine = [(m, o) for (_, m), o in zip(work, outcomes, strict=True) if m.attempt_id == attempt_id]
        completed = [o for m, o in mine if m.kind == "completed" and o == "applied"]
        cancelled = [o for m, o in mine if m.kind == "cancel" and o == "cancelled"]
        detail = cluster.plane.detail(attempt_id)
        terminal = [t.to_status for t in detail.transitions if Status(t.to_status).terminal]
        assert len(completed) <= 1 and bool(completed) != bool(cancelled), (completed, cancelled)
        expected = Status.SUCCESS if completed else Status.CANCELLED
        assert detail.attempt.status == expected.value
        assert terminal == [expected.value]
        with cluster.plane.ctx.sessions() as session:
            finished_events = session.scalar(
                select(func.count(EventRow.id)).where(
                    EventRow.attempt_id == attempt_id,
                    EventRow.type.in_(["run.completed", "run.failed", "run.cancelled"]),
                )
            )
        assert finished_events == 1
