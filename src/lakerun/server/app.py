"""The control plane's ASGI app: `/v1` API, signed callbacks, events WebSocket; the dashboard mounts here too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from databricks.sdk.errors import DatabricksError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from lakerun import __version__
from lakerun.control.actions import ActionError
from lakerun.control.callbacks import CallbackRejectedError
from lakerun.control.isolation import WorkspaceBusyError
from lakerun.control.plane import ControlPlane
from lakerun.control.request_checks import ConflictError
from lakerun.control.settings import ControlSettings
from lakerun.server import dashboard, health, metrics
from lakerun.server.callbacks import endpoints as callbacks
from lakerun.server.data_quality import endpoints as data_quality
from lakerun.server.events import endpoints as events
from lakerun.server.flows import endpoints as flows
from lakerun.server.metadata import endpoints as metadata
from lakerun.server.onboarding import endpoints as onboarding
from lakerun.server.pipelines import endpoints as pipelines
from lakerun.server.runs import endpoints as runs
from lakerun.server.tokens import endpoints as tokens
from lakerun.server.workspaces import endpoints as workspaces


def create_app(
    settings: ControlSettings, plane: ControlPlane | None = None, heartbeat_seconds: float = 15.0
) -> FastAPI:
    """The app for `settings`; it starts and stops its own control plane unless one is given."""
    owned = plane is None
    control = plane or ControlPlane(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if owned:
            control.start()
        yield
        if owned:
            control.stop()

    app = FastAPI(title="lakerun control plane", version=__version__, lifespan=lifespan)
    app.state.plane = control
    app.state.heartbeat_seconds = heartbeat_seconds
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    for module in (
        runs,
        workspaces,
        onboarding,
        callbacks,
        events,
        pipelines,
        data_quality,
        metadata,
        flows,
        tokens,
    ):
        app.include_router(module.router, prefix="/v1")
    app.include_router(health.router)
    metrics.install(app, control)
    dashboard.install(app)
    _add_error_handlers(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Domain errors become clear JSON errors with the right status; a workspace that refuses a call is a
    502, one that cannot be reached a 503 (never a 500: the control plane itself is fine)."""

    def handler(status: int) -> object:
        async def handle(_: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handle

    async def rejected(_: Request, exc: Exception) -> JSONResponse:
        code = exc.status_code if isinstance(exc, CallbackRejectedError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=code)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        return JSONResponse({"detail": [_plain_error(e) for e in errors]}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(CallbackRejectedError, rejected)
    app.add_exception_handler(WorkspaceBusyError, handler(503))  # type: ignore[arg-type]
    app.add_exception_handler(ActionError, handler(409))  # type: ignore[arg-type]
    app.add_exception_handler(ConflictError, handler(409))  # type: ignore[arg-type]
    app.add_exception_handler(LookupError, handler(404))  # type: ignore[arg-type]
    app.add_exception_handler(ValueError, handler(422))  # type: ignore[arg-type]
    app.add_exception_handler(DatabricksError, handler(502))  # type: ignore[arg-type]
    app.add_exception_handler(ConnectionError, handler(503))  # type: ignore[arg-type]
    app.add_exception_handler(TimeoutError, handler(503))  # type: ignore[arg-type]


def _plain_error(error: Any) -> dict[str, Any]:
    """A validation error as JSON can carry it: the offending input is echoed only when it is plain JSON
    (an `Infinity` or `NaN` sent by the client cannot be), so the answer always names the field."""
    plain = {key: error[key] for key in ("type", "loc", "msg") if key in error}
    try:
        json.dumps(error.get("input"), allow_nan=False)
    except (TypeError, ValueError):
        return plain
    return {**plain, "input": error.get("input")}
