"""`lakerun serve`: prepare the database and registrations once, then run one or more uvicorn workers."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from lakerun.control.plane import ControlPlane
from lakerun.control.serve_config import ConfigError, ServeConfig
from lakerun.control.tokens import rotate_token
from lakerun.control.workspace_sync import SyncReport, sync_workspaces
from lakerun.server import logs
from lakerun.server.serve import WS_DEFLATE

CONFIG_ENV = "LAKERUN_SERVE_CONFIG_JSON"
TOKEN_ENV = "LAKERUN_API_TOKEN"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """What start-up did before serving: the workspace synchronisation and whether a token was registered."""

    workspaces: SyncReport | None
    token_registered: bool


def check(config: ServeConfig) -> None:
    """Refuses settings that cannot work together, naming the keys."""
    url = config.resolved_database_url()
    if config.server.workers > 1 and url.startswith("sqlite"):
        raise ConfigError(
            "server.workers: more than one worker needs PostgreSQL (database_url = postgresql://...)"
        )
    config.workspace_specs()


def prepare(config: ServeConfig) -> Prepared:
    """Migrates the database (refusing a newer one), syncs workspaces with the file, registers the env token."""
    check(config)
    plane = ControlPlane(config)
    try:
        report = (
            sync_workspaces(plane.ctx, config.workspace_specs()) if config.workspaces is not None else None
        )
        token = os.environ.get(TOKEN_ENV)
        if token:
            rotate_token(plane.ctx, f"admin from {TOKEN_ENV}", token)
        return Prepared(report, bool(token))
    finally:
        plane.ctx.engine.dispose()


def run(config: ServeConfig) -> None:
    """Serves until interrupted: workers build their app from the configuration passed in the environment."""
    os.environ[CONFIG_ENV] = config.model_dump_json()
    if config.server.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lakerun-metrics-")
    uvicorn.run(
        "lakerun.server.service:worker_app",
        factory=True,
        host=config.server.host,
        port=config.server.port,
        workers=config.server.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        lifespan="on",
        ws_per_message_deflate=WS_DEFLATE,
    )


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn's factory): its own control plane, started by the lifespan."""
    from lakerun.server.app import create_app

    config = ServeConfig.model_validate_json(os.environ[CONFIG_ENV])
    logs.configure(config.server.log_format, config.server.log_level)
    app = create_app(config)
    app.add_middleware(logs.RequestLogMiddleware)
    log.info("worker %s serving on %s:%s", os.getpid(), config.server.host, config.server.port)
    return app
