"""Endpoints of the local workspace: the Secrets API (scopes, secrets, and `secrets/get` for dbutils)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from lakerun.local.errors import invalid_parameter
from lakerun.local.params import request_params, required
from lakerun.local.secret_acls import LOCAL_USER, SecretAcls
from lakerun.local.secret_store import SecretStore

router = APIRouter()


def on_startup(app: FastAPI) -> None:
    """Opens the secret store (tables and encryption key) when the server starts."""
    app.state.secrets = SecretStore(app.state.db, app.state.config.root)
    app.state.secret_acls = SecretAcls(app.state.db, app.state.secrets)


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release: the store lives in the shared state file."""


def _acls(request: Request) -> SecretAcls:
    acls: SecretAcls = request.app.state.secret_acls
    return acls


def _store(request: Request) -> SecretStore:
    store: SecretStore = request.app.state.secrets
    return store


@router.post("/secrets/scopes/create")
async def create_scope(request: Request) -> dict[str, Any]:
    """Creates a Databricks-backed scope; MANAGE goes to `initial_manage_principal` (`users`) or the caller."""
    params = await request_params(request)
    principal = params.get("initial_manage_principal")
    if principal not in (None, "", "users"):
        raise invalid_parameter("initial_manage_principal must be 'users' or omitted")
    scope = required(params, "scope")
    _store(request).create_scope(scope, str(params.get("scope_backend_type") or "DATABRICKS"))
    _acls(request).put(scope, principal or LOCAL_USER, "MANAGE")
    return {}


@router.get("/secrets/scopes/list")
async def list_scopes(request: Request) -> dict[str, Any]:
    """All scopes, each with its backend type."""
    names = _store(request).list_scopes()
    return {"scopes": [{"name": name, "backend_type": "DATABRICKS"} for name in names]} if names else {}


@router.post("/secrets/scopes/delete")
async def delete_scope(request: Request) -> dict[str, Any]:
    """Deletes a scope with its secrets."""
    params = await request_params(request)
    scope = required(params, "scope")
    _store(request).delete_scope(scope)
    _acls(request).forget_scope(scope)
    return {}


@router.post("/secrets/put")
async def put_secret(request: Request) -> dict[str, Any]:
    """Stores a secret from exactly one of `string_value` (UTF-8) or `bytes_value` (base64)."""
    params = await request_params(request)
    scope, key = required(params, "scope"), required(params, "key")
    _store(request).put(scope, key, _value_bytes(params))
    return {}


@router.get("/secrets/get")
async def get_secret(request: Request) -> dict[str, Any]:
    """A secret's value, base64-encoded as Databricks returns it to dbutils."""
    params = await request_params(request)
    key = required(params, "key")
    value = _store(request).get(required(params, "scope"), key)
    return {"key": key, "value": base64.b64encode(value).decode("ascii")}


@router.get("/secrets/list")
async def list_secrets(request: Request) -> dict[str, Any]:
    """Keys and update times of a scope's secrets, never their values."""
    params = await request_params(request)
    infos = _store(request).list(required(params, "scope"))
    secrets = [{"key": info.key, "last_updated_timestamp": info.updated_ms} for info in infos]
    return {"secrets": secrets} if secrets else {}


@router.post("/secrets/delete")
async def delete_secret(request: Request) -> dict[str, Any]:
    """Deletes one secret."""
    params = await request_params(request)
    _store(request).delete(required(params, "scope"), required(params, "key"))
    return {}


@router.post("/secrets/acls/put")
async def put_acl(request: Request) -> dict[str, Any]:
    """Grants a principal READ, WRITE or MANAGE on a scope (recorded, not enforced locally)."""
    params = await request_params(request)
    scope, principal = required(params, "scope"), required(params, "principal")
    _acls(request).put(scope, principal, required(params, "permission"))
    return {}


@router.get("/secrets/acls/get")
async def get_acl(request: Request) -> dict[str, Any]:
    """One principal's permission on a scope."""
    params = await request_params(request)
    principal = required(params, "principal")
    return {"principal": principal, "permission": _acls(request).get(required(params, "scope"), principal)}


@router.get("/secrets/acls/list")
async def list_acls(request: Request) -> dict[str, Any]:
    """Every principal's permission on a scope."""
    params = await request_params(request)
    items = [
        {"principal": p, "permission": level} for p, level in _acls(request).list(required(params, "scope"))
    ]
    return {"items": items} if items else {}


@router.post("/secrets/acls/delete")
async def delete_acl(request: Request) -> dict[str, Any]:
    """Removes a principal's permission on a scope."""
    params = await request_params(request)
    _acls(request).delete(required(params, "scope"), required(params, "principal"))
    return {}


def _value_bytes(params: dict[str, Any]) -> bytes:
    string_value, bytes_value = params.get("string_value"), params.get("bytes_value")
    if (string_value is None) == (bytes_value is None):
        raise invalid_parameter("Exactly one of string_value or bytes_value must be specified")
    if string_value is not None:
        return str(string_value).encode("utf-8")
    try:
        return base64.b64decode(str(bytes_value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_parameter("bytes_value must be base64-encoded") from exc
