"""The events WebSocket: authenticated, filtered, heartbeat, and resumable from the last event id."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.server.conftest import Stack, python_task

pytestmark = pytest.mark.slow


def ws_url(stack: Stack, query: str) -> str:
    return stack.server.url.replace("http://", "ws://") + f"/v1/events?token={stack.token}&{query}"


def receive_until(socket, last_type: str, limit: int = 200) -> list[dict]:
    events = []
    for _ in range(limit):
        message = json.loads(socket.recv(timeout=30))
        if message["type"] == "heartbeat":
            continue
        events.append(message)
        if message["type"] == last_type:
            return events
    raise AssertionError(f"no {last_type} event among {events}")


def test_subscriber_sees_the_whole_lifecycle_of_its_subject_only(stack: Stack) -> None:
    with connect(ws_url(stack, "subject=watched")) as socket:
        stack.trigger(subject_key="ignored", tasks=[python_task()])
        run = stack.trigger(subject_key="watched", tasks=[python_task()])
        events = receive_until(socket, "run.completed")
    assert {e["attempt_id"] for e in events} == {run["id"]}
    types = [e["type"] for e in events]
    assert types[0] == "run.created"
    assert types.index("run.started") < types.index("run.progress") < types.index("run.completed")
    progress = next(e for e in events if e["type"] == "run.progress")
    assert progress["progress"] == 0.5 and progress["task"] == "main"
    assert events[-1]["state"] == "SUCCESS" and events[-1]["duration_seconds"] is not None
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_resume_replays_what_was_missed(stack: Stack) -> None:
    run = stack.trigger(subject_key="resumable", tasks=[python_task()])
    stack.wait(run["id"])
    with connect(ws_url(stack, f"attempt={run['id']}&last_event_id=0")) as socket:
        everything = receive_until(socket, "run.completed")
    first_id = everything[0]["id"]
    with connect(ws_url(stack, f"attempt={run['id']}&last_event_id={first_id}")) as socket:
        rest = receive_until(socket, "run.completed")
    assert [e["id"] for e in rest] == [e["id"] for e in everything[1:]]


def test_quiet_connections_get_heartbeats(stack: Stack) -> None:
    with connect(ws_url(stack, "subject=nothing-happens")) as socket:
        heartbeat = json.loads(socket.recv(timeout=10))
    assert heartbeat["type"] == "heartbeat" and isinstance(heartbeat["resume_after"], int)


def test_connection_without_a_valid_token_is_closed(stack: Stack) -> None:
    url = stack.server.url.replace("http://", "ws://") + "/v1/events?token=wrong"
    with pytest.raises(InvalidStatus) as refused:
        connect(url)
    assert refused.value.response.status_code == 403
