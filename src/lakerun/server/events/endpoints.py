"""The live events WebSocket: subscribe by subject, attempt or job key; heartbeat; resume from an event id."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from lakerun.control.events import Cursor, DeliveredWindow, EventBus, EventFilter, Subscription
from lakerun.control.plane import ControlPlane
from lakerun.control.reads import events_after
from lakerun.server.auth import websocket_token
from lakerun.server.token_watch import close_when_revoked, token_watch

router = APIRouter(tags=["events"])
REPLAY_BATCH = 500
OVERFLOW_CLOSE = 1013


@router.websocket("/events")
async def events(
    websocket: WebSocket,
    *,
    subject: Annotated[list[str] | None, Query(description="Subject keys to follow.")] = None,
    attempt: Annotated[list[str] | None, Query(description="Attempt ids to follow.")] = None,
    job_key: Annotated[list[str] | None, Query(description="Job keys to follow.")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, description="Replay stored events after this id first (a heartbeat's `resume_after`)."),
    ] = None,
    last_event_id: Annotated[int | None, Query(ge=0, description="The same as `after`.")] = None,
) -> None:
    """Streams `run.*` events as JSON, each id once, in commit order as near as the store allows; when quiet,
    `{"type": "heartbeat", "resume_after": N}`: reconnecting with `after=N` misses nothing. Everything when
    no filter is given."""
    token = websocket_token(websocket)
    if token is None:
        await websocket.close(code=4401, reason="missing, invalid, expired or revoked API token")
        return
    await websocket.accept()
    plane: ControlPlane = websocket.app.state.plane
    event_filter = EventFilter(frozenset(subject or ()), frozenset(attempt or ()), frozenset(job_key or ()))
    subscription = plane.bus.subscribe(event_filter, asyncio.get_running_loop())
    watch = token_watch(websocket.app)
    revoked = watch.watch(token.token_hash)
    resume = after if after is not None else last_event_id
    sent = DeliveredWindow()
    try:
        if resume is not None:
            await _replay(websocket, plane, event_filter, resume, sent)
        closer = asyncio.create_task(close_when_revoked(websocket, revoked))
        heartbeat = websocket.app.state.heartbeat_seconds
        await stream(websocket, plane.bus, subscription, sent, resume or 0, heartbeat, closer)
    except WebSocketDisconnect:
        pass
    finally:
        watch.forget(token.token_hash, revoked)
        plane.bus.unsubscribe(subscription)


async def _replay(
    websocket: WebSocket, plane: ControlPlane, event_filter: EventFilter, last: int, sent: DeliveredWindow
) -> None:
    """Sends stored events after `last` (subscribed first, so nothing falls between replay and live)."""
    while True:
        batch = await run_in_threadpool(events_after, plane.ctx, last, event_filter, REPLAY_BATCH)
        for event in batch:
            if sent.first_time(event.id):
                await websocket.send_text(event.json_text)
            last = event.id
        if len(batch) < REPLAY_BATCH:
            return


async def stream(  # noqa: PLR0917 - one subscriber's whole delivery state
    websocket: WebSocket,
    bus: EventBus,
    subscription: Subscription,
    sent: DeliveredWindow,
    resumed_after: int,
    heartbeat: float,
    *watchers: asyncio.Task[None],
) -> None:
    """Sends live events and heartbeats until the client goes away (or a watcher task ends the stream)."""
    tasks = [
        asyncio.create_task(_send_events(websocket, subscription, sent, resumed_after)),
        asyncio.create_task(_heartbeat(bus, subscription, heartbeat)),
        *watchers,
    ]
    try:
        await _drain_client(websocket)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _send_events(
    websocket: WebSocket, subscription: Subscription, sent: DeliveredWindow, resumed_after: int
) -> None:
    """Sends each queued event whose id this client has not had yet; a cursor becomes a heartbeat."""
    while True:
        item = await subscription.queue.get()
        if subscription.overflowed:
            await websocket.close(
                OVERFLOW_CLOSE, f"subscriber fell behind; reconnect with after={resumed_after}"
            )
            return
        if isinstance(item, Cursor):
            resumed_after = max(resumed_after, item.floor)
            await websocket.send_text(json.dumps({"type": "heartbeat", "resume_after": resumed_after}))
        elif sent.first_time(item.id):
            await websocket.send_text(item.json_text)


async def _heartbeat(bus: EventBus, subscription: Subscription, seconds: float) -> None:
    """Queues a cursor every `seconds`; the sender turns it into a heartbeat carrying the resume point."""
    while True:
        await asyncio.sleep(seconds)
        bus.mark(subscription)


async def _drain_client(websocket: WebSocket) -> None:
    """Reads (and ignores) client messages so a disconnect (or a close from the server) is noticed promptly."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.receive_text()
