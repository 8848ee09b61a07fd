"""The control plane's ASGI app: `/v1` API, signed callbacks, events WebSocket; the dashboard mounts here too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from lakerun import __version__
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.server import dashboard, errors, health, json_bodies, metrics
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
    errors.install(app)
    app.add_middleware(json_bodies.JsonBodies)
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
    return app
