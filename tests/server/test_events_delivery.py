"""Live events under concurrency: every stored event reaches each subscriber exactly once, whatever order
commits land in, whichever process commits them, and after a reconnect from the advertised resume point."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from websockets.sync.client import ClientConnection, connect

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.local.server import free_port
from lakerun.server.app import create_app
from lakerun.server.serve import RunningServer, start_in_thread
from lakerun.store.models import EventRow

pytestmark = pytest.mark.slow
PRODUCERS = 8
PER_PRODUCER = 50
OTHER_PROCESS_EVENTS = PRODUCERS // 2 * PER_PRODUCER


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[RunningServer, str]]:
    """A started control plane served over HTTP (no workspace), and an API token."""
    settings = ControlSettings(home=tmp_path / "home", database_url=database_url, server_key="k")
    plane = ControlPlane(settings)
    plane.start()
    server = start_in_thread(
        create_app(settings, plane, heartbeat_seconds=0.3), plane, "127.0.0.1", free_port()
    )
    try:
        yield server, issue_token(plane.ctx, "tests")
    finally:
        server.stop()
        plane.stop()


def subscribe(server: RunningServer, token: str, query: str = "") -> ClientConnection:
    return connect(server.url.replace("http://", "ws://") + f"/v1/events?token={token}{query}")


def publish(plane: ControlPlane, producer: str, count: int, event_type: str = "run.progress") -> None:
    """Commits `count` events, one transaction each, as an attempt's progress would be."""
    for number in range(count):
        with plane.ctx.uow() as uow:
            uow.publish(event_type, {"n": number}, attempt_id=producer, subject_key=producer)


def produce_concurrently(plane: ControlPlane, tag: str = "t") -> None:
    threads = [
        threading.Thread(target=publish, args=(plane, f"{tag}{number}", PER_PRODUCER))
        for number in range(PRODUCERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def receive_ids(
    socket: ClientConnection, expected: int, quiet: float = 3.0
) -> tuple[list[int], dict[str, Any]]:
    """Event ids received until `expected` arrived and a heartbeat followed (or 60 s passed); the last heartbeat."""
    ids: list[int] = []
    heartbeat: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            message = json.loads(socket.recv(timeout=quiet))
        except TimeoutError:
            break
        if message["type"] != "heartbeat":
            ids.append(message["id"])
        elif len(ids) >= expected:
            return ids, message
        else:
            heartbeat = message
    return ids, heartbeat


def stored_ids(plane: ControlPlane) -> list[int]:
    with plane.ctx.sessions() as session:
        return list(session.scalars(select(EventRow.id).order_by(EventRow.id)))


def assert_exactly_once(received: list[int], stored: list[int]) -> None:
    duplicates = [i for i, n in Counter(received).items() if n > 1]
    assert not duplicates, f"sent more than once: {duplicates[:10]}"
    missing = sorted(set(stored) - set(received))
    assert not missing, f"{len(missing)} of {len(stored)} never arrived: {missing[:10]}"


def test_concurrent_producers_reach_a_subscriber_exactly_once(served: tuple[RunningServer, str]) -> None:
    server, token = served
    with subscribe(server, token) as socket:
        socket.recv(timeout=10)
        produce_concurrently(server.plane)
        received, _ = receive_ids(socket, PRODUCERS * PER_PRODUCER)
    stored = stored_ids(server.plane)
    assert len(stored) == PRODUCERS * PER_PRODUCER
    assert_exactly_once(received, stored)


def test_an_event_committed_without_reaching_the_bus_is_caught_up(served: tuple[RunningServer, str]) -> None:
    """A process that dies between its commit and its delivery leaves the event only in the store."""
    server, token = served
    with subscribe(server, token, "&attempt=orphan") as socket:
        socket.recv(timeout=10)
        with server.plane.ctx.sessions() as session:
            row = EventRow(type="run.completed", payload={"state": "SUCCESS"}, attempt_id="orphan")
            session.add(row)
            session.commit()
            stored_id = row.id
        event = next(
            m for m in (json.loads(socket.recv(timeout=10)) for _ in range(50)) if m["type"] != "heartbeat"
        )
    assert (event["id"], event["type"], event["state"]) == (stored_id, "run.completed", "SUCCESS")


def test_reconnecting_from_the_heartbeats_resume_point_misses_nothing(
    served: tuple[RunningServer, str],
) -> None:
    server, token = served
    publish(server.plane, "before", 5)
    with subscribe(server, token, "&after=0") as socket:
        first, heartbeat = receive_ids(socket, 5)
        while heartbeat["resume_after"] < max(first):
            heartbeat = json.loads(socket.recv(timeout=10))
    resume = heartbeat["resume_after"]
    produce_concurrently(server.plane, tag="gone")
    with subscribe(server, token, f"&after={resume}") as socket:
        rest, _ = receive_ids(socket, PRODUCERS * PER_PRODUCER)
    assert_exactly_once(first + rest, stored_ids(server.plane))


def _other_process(url: str, home: str, ready: Any, go: Any) -> None:
    """Another server process on the same database: commits its own progress and completions."""
    plane = ControlPlane(ControlSettings(home=Path(home), database_url=url, server_key="k"))
    ready.set()
    go.wait(60)
    threads = [
        threading.Thread(target=publish, args=(plane, f"other{n}", PER_PRODUCER // 2, kind))
        for n in range(PRODUCERS // 2)
        for kind in ("run.progress", "run.completed")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    plane.stop()


@pytest.mark.postgres
def test_events_of_two_processes_reach_a_subscriber_exactly_once(
    postgres_database: str, tmp_path: Path
) -> None:
    from tests.store.databases import _truncate_all

    _truncate_all(postgres_database)
    settings = ControlSettings(home=tmp_path / "home", database_url=postgres_database, server_key="k")
    plane = ControlPlane(settings)
    plane.start()
    server = start_in_thread(
        create_app(settings, plane, heartbeat_seconds=0.3), plane, "127.0.0.1", free_port()
    )
    spawn = multiprocessing.get_context("spawn")
    ready, go = spawn.Event(), spawn.Event()
    other = spawn.Process(target=_other_process, args=(postgres_database, str(tmp_path / "other"), ready, go))
    other.start()
    try:
        assert ready.wait(60)
        with subscribe(server, issue_token(plane.ctx, "tests")) as socket:
            socket.recv(timeout=10)
            go.set()
            produce_concurrently(plane)
            other.join(120)
            received, _ = receive_ids(socket, PRODUCERS * PER_PRODUCER + OTHER_PROCESS_EVENTS)
        stored = stored_ids(plane)
        with plane.ctx.sessions() as session:
            completed = set(session.scalars(select(EventRow.id).where(EventRow.type == "run.completed")))
    finally:
        other.kill()
        server.stop()
        plane.stop()
    assert len(stored) == PRODUCERS * PER_PRODUCER + OTHER_PROCESS_EVENTS
    assert len(completed) == OTHER_PROCESS_EVENTS // 2
    assert_exactly_once(received, stored)
    assert completed <= set(received)
