"""The ASGI app of the local workspace: Databricks' URL layout, auth and error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lakerun.local.api import (
    clusters,
    commands,
    dbfs,
    identity,
    jobs,
    oidc,
    permissions,
    runs,
    secrets,
    sql,
    ui,
    unity_catalog,
    workspace_files,
)
from lakerun.local.config import WorkspaceConfig
from lakerun.local.db import StateDB
from lakerun.local.errors import DatabricksError, permission_denied, unauthenticated
from lakerun.local.faults import FaultInjector, install_faults
from lakerun.local.paths import WorkspacePaths

REST_VERSIONS = ("/api/2.0", "/api/2.1", "/api/2.2")
FEATURES: tuple[ModuleType, ...] = (
    identity,
    jobs,
    permissions,
    runs,
    workspace_files,
    dbfs,
    secrets,
    clusters,
    commands,
    sql,
    unity_catalog,
    ui,
    oidc,
)
UNVERSIONED: tuple[ModuleType, ...] = (ui, oidc)
PUBLIC_PATHS = ("/.well-known/databricks-config", "/healthz")


def create_app(config: WorkspaceConfig) -> FastAPI:
    """A local workspace serving every API version clients use, with state under `config.root`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config.root.mkdir(parents=True, exist_ok=True)
        app.state.config = config
        app.state.paths = WorkspacePaths(config.root)
        app.state.db = StateDB(config.root / "state.db")
        for feature in FEATURES:
            feature.on_startup(app)
        yield
        for feature in reversed(FEATURES):
            feature.on_shutdown(app)
        app.state.db.close()

    app = FastAPI(title="lakerun local workspace", lifespan=lifespan, docs_url=None, redoc_url=None)
    for prefix in REST_VERSIONS:
        for feature in FEATURES:
            if feature not in UNVERSIONED:
                app.include_router(feature.router, prefix=prefix)
    app.include_router(commands.router, prefix="/api/1.2")
    for feature in UNVERSIONED:
        app.include_router(feature.router)
    _install_auth(app, config)
    install_faults(app, FaultInjector(config.faults))
    _install_error_handlers(app)

    @app.get("/.well-known/databricks-config")
    async def well_known(request: Request) -> dict[str, str]:
        # The SDK finds the OIDC endpoints from here; a workspace without service principals has none.
        return {"oidc_endpoint": oidc.oidc_base(request)} if config.oauth_clients else {}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _install_auth(app: FastAPI, config: WorkspaceConfig) -> None:
    @app.middleware("http")
    async def bearer_auth(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.url.path.startswith("/api/"):
            header = request.headers.get("authorization", "")
            if not header:
                return _error_response(
                    unauthenticated("Credential was not sent or was of an unsupported type for this API.")
                )
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not _accepted(config, request, token.strip()):
                return _error_response(permission_denied("Invalid access token."))
        return await call_next(request)


def _accepted(config: WorkspaceConfig, request: Request, token: str) -> bool:
    """A configured personal access token, or an OAuth access token this workspace issued and not yet expired."""
    return token in config.tokens or bool(token and request.app.state.oauth.accepts(token))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DatabricksError)
    async def databricks_error(_: Request, exc: DatabricksError) -> Response:
        return _error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_response(
                DatabricksError(
                    404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {request.url.path}'"
                )
            )
        if exc.status_code == 405:
            return _error_response(
                DatabricksError(
                    405, "ENDPOINT_NOT_FOUND", f"Method {request.method} not allowed for {request.url.path}"
                )
            )
        return _error_response(DatabricksError(exc.status_code, "INTERNAL_ERROR", str(exc.detail)))


def _error_response(exc: DatabricksError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)
