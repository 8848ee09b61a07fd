"""The live events WebSocket: subscribe by subject, attempt or job key; heartbeat; resume from an event id."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from lakerun.control.events import DomainEvent, EventFilter, Subscription
from lakerun.control.plane import ControlPlane
from lakerun.server.auth import websocket_token_ok
from lakerun.store.records import EventRepository

router = APIRouter(tags=["events"])
HEARTBEAT_SECONDS = 15.0


@router.websocket("/events")
async def events(
    websocket: WebSocket,
    subject: Annotated[list[str] | None, Query(description="Subject keys to follow.")] = None,
    attempt: Annotated[list[str] | None, Query(description="Attempt ids to follow.")] = None,
    job_key: Annotated[list[str] | None, Query(description="Job keys to follow.")] = None,
    last_event_id: Annotated[
        int | None, Query(description="Replay stored events after this id first.")
    ] = None,
) -> None:
    """Streams `run.*` events as JSON; `{"type": "heartbeat"}` when quiet. Everything when no filter is given."""
    if not websocket_token_ok(websocket):
        await websocket.close(code=4401, reason="missing or invalid API token")
        return
    await websocket.accept()
    plane: ControlPlane = websocket.app.state.plane
    event_filter = EventFilter(frozenset(subject or ()), frozenset(attempt or ()), frozenset(job_key or ()))
    subscription = plane.bus.subscribe(event_filter, asyncio.get_running_loop())
    try:
        last = await _replay(websocket, plane, event_filter, last_event_id)
        await _stream(websocket, subscription, last, websocket.app.state.heartbeat_seconds)
    except WebSocketDisconnect:
        pass
    finally:
        plane.bus.unsubscribe(subscription)


async def _replay(
    websocket: WebSocket, plane: ControlPlane, event_filter: EventFilter, last: int | None
) -> int:
    """Sends stored events after `last` (subscribed first, so nothing falls between replay and live)."""
    if last is None:
        return 0
    while True:
        batch = await run_in_threadpool(_stored_after, plane, event_filter, last)
        for event in batch:
            await websocket.send_text(event.json_text)
            last = event.id
        if len(batch) < 500:
            return last


def _stored_after(plane: ControlPlane, event_filter: EventFilter, last: int) -> list[DomainEvent]:
    with plane.ctx.sessions() as session:
        rows = EventRepository(session).after(last, limit=500, **event_filter.as_match())
        return [DomainEvent.from_row(row) for row in rows]


async def _stream(websocket: WebSocket, subscription: Subscription, last: int, heartbeat: float) -> None:
    """Sends live events and heartbeats until the client goes away."""
    tasks = [
        asyncio.create_task(_send_events(websocket, subscription, last)),
        asyncio.create_task(_heartbeat(websocket, heartbeat)),
    ]
    try:
        await _drain_client(websocket)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _send_events(websocket: WebSocket, subscription: Subscription, last: int) -> None:
    while True:
        event = await subscription.queue.get()
        if event.id > last:
            await websocket.send_text(event.json_text)
            last = event.id


async def _heartbeat(websocket: WebSocket, seconds: float) -> None:
    """Sends `{"type": "heartbeat"}` every `seconds`, so clients and proxies know the stream is alive."""
    while True:
        await asyncio.sleep(seconds)
        await websocket.send_json({"type": "heartbeat"})


async def _drain_client(websocket: WebSocket) -> None:
    """Reads (and ignores) client messages so a disconnect is noticed promptly."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
