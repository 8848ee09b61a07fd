"""The dashboard's live feed: the control plane's run events over a WebSocket opened with the session cookie."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from lakerun.control.events import DeliveredWindow, EventFilter
from lakerun.control.plane import ControlPlane
from lakerun.server.dashboard.session import websocket_session
from lakerun.server.events.endpoints import stream
from lakerun.server.token_watch import close_when_revoked, token_watch

router = APIRouter(include_in_schema=False)


@router.websocket("/ui/events")
async def dashboard_events(websocket: WebSocket) -> None:
    """Every `run.*` event as JSON, with heartbeats; closed with 4401 without a valid session."""
    token = websocket_session(websocket)
    if token is None:
        await websocket.close(code=4401, reason="log in to the dashboard first")
        return
    await websocket.accept()
    plane: ControlPlane = websocket.app.state.plane
    subscription = plane.bus.subscribe(EventFilter(), asyncio.get_running_loop())
    watch = token_watch(websocket.app)
    revoked = watch.watch(token.token_hash)
    try:
        closer = asyncio.create_task(close_when_revoked(websocket, revoked))
        heartbeat = websocket.app.state.heartbeat_seconds
        await stream(websocket, plane.bus, subscription, DeliveredWindow(), 0, heartbeat, closer)
    except WebSocketDisconnect:
        pass
    finally:
        watch.forget(token.token_hash, revoked)
        plane.bus.unsubscribe(subscription)
