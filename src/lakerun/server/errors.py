"""How errors reach API clients: a lakerun error answers with its own status and code; anything else is a
bug, answered 500 with a correlation id that finds its traceback in the log, and nothing internal."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from databricks.sdk.errors import DatabricksError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from lakerun.control.errors import as_lakerun_error
from lakerun.errors import LakerunError
from lakerun.server.asgi import HttpMiddleware, StatusWatch

CORRELATION_HEADER = "X-Correlation-ID"
log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    """Adds the handlers of lakerun errors and request validation, and the catch-all for everything else."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(LakerunError, _lakerun_error)
    for vendor in (DatabricksError, ConnectionError, TimeoutError):
        app.add_exception_handler(vendor, _vendor_error)
    app.add_middleware(UnexpectedErrors)


def error_response(exc: LakerunError) -> JSONResponse:
    """The JSON answer of a lakerun error: its message, its stable code, its status."""
    return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=exc.http_status)


async def _lakerun_error(request: Request, exc: Exception) -> JSONResponse:
    """A lakerun error with a client-facing status answers with it; one of lakerun itself (500) is a bug."""
    assert isinstance(exc, LakerunError)
    if exc.http_status == 500:
        return _unexpected(request.scope, exc)
    return error_response(exc)


async def _vendor_error(request: Request, exc: Exception) -> JSONResponse:
    """A workspace's refusal (502) or an unreachable service (503), translated at the control plane's edge."""
    translated = as_lakerun_error(exc)
    if translated is None:
        raise exc
    return error_response(translated)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(
        {"detail": [_plain_error(e) for e in errors], "code": "invalid_input"}, status_code=422
    )


def _plain_error(error: Any) -> dict[str, Any]:
    """A validation error as JSON can carry it: the offending input is echoed only when it is plain JSON
    (an `Infinity`, a `NaN` or a lone surrogate sent by the client cannot be), so the answer always names the field."""
    plain = {key: error[key] for key in ("type", "loc", "msg") if key in error}
    try:
        json.dumps(error.get("input"), allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        return plain
    return {**plain, "input": error.get("input")}


class UnexpectedErrors(HttpMiddleware):
    """ASGI middleware: an exception no handler claimed is logged with its traceback under a fresh
    correlation id, and the client gets a 500 carrying only that id (in the body and a header)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answers the 500 unless the response had already started (then the exception goes on up)."""
        watch = StatusWatch(send)
        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = _unexpected(scope, exc)
            if watch.status is not None:
                raise
            await response(scope, receive, send)


def _unexpected(scope: Scope, exc: Exception) -> JSONResponse:
    """Logs `exc` with its traceback under a fresh correlation id and returns the 500 carrying that id."""
    correlation_id = uuid.uuid4().hex
    log.error(
        "unexpected error %s on %s %s",
        correlation_id,
        scope.get("method"),
        scope.get("path"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return internal_error(correlation_id)


def internal_error(correlation_id: str) -> JSONResponse:
    """The 500 answer: a fixed message and the correlation id, nothing of the exception itself."""
    body = {
        "detail": f"internal error; quote correlation id {correlation_id} to the operator",
        "code": "internal_error",
        "correlation_id": correlation_id,
    }
    return JSONResponse(body, status_code=500, headers={CORRELATION_HEADER: correlation_id})
