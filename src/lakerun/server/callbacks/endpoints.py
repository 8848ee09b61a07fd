"""The signed callback endpoint tasks post their events to (authenticated by HMAC, not by API token)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lakerun.executor.callbacks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from lakerun.server.auth import Plane

router = APIRouter(tags=["callbacks"])


@router.post("/attempts/{attempt_id}/events")
async def receive_event(attempt_id: str, request: Request, plane: Plane) -> dict[str, str]:
    """Apply one event (`progress`, `log`, `metric`, `result`, `completed`, `failed`) at most once."""
    body = await request.body()
    timestamp = request.headers.get(TIMESTAMP_HEADER)
    signature = request.headers.get(SIGNATURE_HEADER)
    outcome = await run_in_threadpool(plane.receive_callback, attempt_id, body, timestamp, signature)
    return {"outcome": outcome}
