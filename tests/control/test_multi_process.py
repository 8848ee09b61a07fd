"""Several server processes on one PostgreSQL: one reconciler leader, and events fanned out to every process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from lakerun.control.events import DomainEvent, EventFilter
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.store.records import EventRepository

pytestmark = pytest.mark.postgres


def two_planes(url: str, tmp_path: Path) -> tuple[ControlPlane, ControlPlane]:
    def make(name: str) -> ControlPlane:
        return ControlPlane(ControlSettings(home=tmp_path / name, database_url=url, server_key="k"))

    return make("a"), make("b")


def test_only_one_process_leads_the_reconciler(postgres_database: str, tmp_path: Path) -> None:
    first, second = two_planes(postgres_database, tmp_path)
    try:
        assert first.reconciler.leadership.acquire()
        assert not second.reconciler.leadership.acquire()
        first.reconciler.leadership.release()
        assert second.reconciler.leadership.acquire()
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("size", [10, 20_000], ids=["carried-by-the-notice", "too-big-read-from-the-store"])
def test_events_committed_in_one_process_reach_the_others(
    postgres_database: str, tmp_path: Path, size: int
) -> None:
    first, second = two_planes(postgres_database, tmp_path)
    received: list[DomainEvent] = []
    listened: list[DomainEvent] = []
    second.bus.listen(listened.append)
    loop = asyncio.new_event_loop()
    subscription = second.bus.subscribe(EventFilter(), loop)
    second.fanout.start()
    try:
        time.sleep(0.5)
        with first.ctx.uow() as uow:
            uow.publish(
                "run.progress", {"progress": 0.3, "message": "x" * size}, attempt_id="a-1", subject_key="s"
            )
        with pytest.raises(RuntimeError), first.ctx.uow() as uow:
            uow.publish("run.progress", {"progress": 0.9}, attempt_id="a-2", subject_key="s")
            raise RuntimeError("the transaction fails after publishing")
        deadline = time.monotonic() + 10
        while subscription.queue.empty() and time.monotonic() < deadline:
            loop.run_until_complete(asyncio.sleep(0.05))
        loop.run_until_complete(asyncio.sleep(0.5))
        while not subscription.queue.empty():
            received.append(subscription.queue.get_nowait())  # type: ignore[arg-type]
    finally:
        first.stop()
        second.stop()
        loop.close()
    assert [(e.attempt_id, e.payload["progress"]) for e in received] == [("a-1", 0.3)]
    with first.ctx.sessions() as session:
        stored = DomainEvent.from_row(EventRepository(session).by_ids([received[0].id])[0])
    assert received[0].json_text == stored.json_text, "subscribers get the event exactly as stored"
    assert received[0].subject_key == stored.subject_key == "s"
    assert listened == [], "notifications run only in the process that committed the event"
