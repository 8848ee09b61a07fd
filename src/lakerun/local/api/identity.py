"""Endpoints of the local workspace: who the caller is (SCIM `Me`) and the workspace-conf map.

A local workspace has one user, the owner of every job and run it shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from lakerun.local.errors import invalid_parameter
from lakerun.local.job_store import CREATOR
from lakerun.local.params import request_params, required
from lakerun.local.settings_store import SettingsStore

router = APIRouter()
USER_ID = "1000000000000001"
ADMINS_GROUP_ID = "1000000000000002"


def on_startup(app: FastAPI) -> None:
    """Opens the workspace settings on the state database."""
    app.state.settings = SettingsStore(app.state.db)


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release: settings live in the shared state database."""


def _settings(request: Request) -> SettingsStore:
    store: SettingsStore = request.app.state.settings
    return store


def current_user() -> dict[str, Any]:
    """The local user as SCIM describes a user, an admin of the workspace."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": USER_ID,
        "userName": CREATOR,
        "displayName": CREATOR,
        "active": True,
        "name": {"givenName": CREATOR},
        "emails": [{"value": CREATOR, "type": "work", "primary": True}],
        "groups": [{"display": "admins", "value": ADMINS_GROUP_ID, "type": "direct"}],
        "entitlements": [
            {"value": "workspace-access"},
            {"value": "databricks-sql-access"},
            {"value": "allow-cluster-create"},
        ],
    }


@router.get("/preview/scim/v2/Me")
async def me() -> dict[str, Any]:
    """The caller: the workspace's one user."""
    return current_user()


@router.get("/workspace-conf")
async def get_conf(request: Request) -> dict[str, Any]:
    """The values of the comma-separated `keys` (null for keys never set)."""
    params = await request_params(request)
    keys = [key.strip() for key in str(required(params, "keys")).split(",") if key.strip()]
    return _settings(request).conf(keys)


@router.patch("/workspace-conf")
async def set_conf(request: Request) -> Response:
    """Sets keys to string values."""
    body = await request_params(request)
    bad = [key for key, value in body.items() if not isinstance(value, str)]
    if bad:
        raise invalid_parameter(f"Workspace configuration values must be strings: {', '.join(bad)}")
    _settings(request).set_conf(body)
    return Response(status_code=204)
