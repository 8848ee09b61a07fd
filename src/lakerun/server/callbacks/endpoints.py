"""The signed callback endpoint tasks post their events to (authenticated by HMAC, not by API token)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lakerun.control.callbacks import CallbackRejectedError
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from lakerun.server.auth import Plane
from lakerun.server.bodies import read_limited

router = APIRouter(tags=["callbacks"])


@router.post(
    "/attempts/{attempt_id}/events",
    responses={
        401: {"description": "No, a bad or an expired signature."},
        404: {"description": "No such attempt."},
        413: {"description": "The body passes `callback_max_bytes`, or the result would."},
        422: {"description": "A malformed event (the field is named)."},
    },
)
async def receive_event(attempt_id: str, request: Request, plane: Plane) -> dict[str, str]:
    """Apply one event (`progress`, `log`, `metric`, `result`, `completed`, `failed`) at most once.

    Unsigned requests are refused before their body is read; a signed one is read up to the limit.
    """
    timestamp = request.headers.get(TIMESTAMP_HEADER)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise CallbackRejectedError("missing signature or timestamp header", 401)
    body = await read_limited(request, plane.ctx.settings.callback_max_bytes, "callback body")
    outcome = await run_in_threadpool(plane.receive_callback, attempt_id, body, timestamp, signature)
    return {"outcome": outcome}
