"""API-token authentication and scopes for every endpoint except the signed task callback.

What each scope may do is decided here, in one table, from the request's method and path: `read`
for safe methods, `trigger` for starting, cancelling, retrying, repairing and reporting work, `admin`
for registering workspaces, jobs, connections and pipelines and for managing tokens.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lakerun.control.plane import ControlPlane
from lakerun.control.tokens import Scope, TokenInfo, authenticate

bearer = HTTPBearer(auto_error=False, description="An API token (`lakerun tokens create`, `lakerun up`).")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ADMIN_PATHS = re.compile(r"^/v1/(tokens(/.*)?|workspaces(/.*)?|jobs/.*|connections|pipelines)$")
ADMIN_READS = re.compile(r"^/v1/tokens(/.*)?$")


def get_plane(request: Request) -> ControlPlane:
    """The control plane the app serves."""
    plane: ControlPlane = request.app.state.plane
    return plane


def needed_scope(method: str, path: str) -> Scope:
    """The scope a request needs."""
    if method.upper() in SAFE_METHODS:
        return "admin" if ADMIN_READS.match(path) else "read"
    return "admin" if ADMIN_PATHS.match(path) else "trigger"


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> TokenInfo:
    """The caller's token: 401 without a valid `Authorization: Bearer <token>`, 403 when its scope falls short."""
    info = authenticate(get_plane(request).ctx, credentials.credentials if credentials else None)
    if info is None:
        raise HTTPException(
            401, "missing, invalid, expired or revoked API token", headers={"WWW-Authenticate": "Bearer"}
        )
    path = _route_path(request)
    needed = needed_scope(request.method, path)
    if not info.allows(needed):
        raise HTTPException(
            403, f"this API token has scope {info.scope!r}; {request.method} {path} needs {needed!r}"
        )
    return info


def _route_path(request: Request) -> str:
    """The path below the app's mount point, so the scope table holds when the app is mounted under a prefix."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def websocket_token(websocket: WebSocket) -> TokenInfo | None:
    """The valid token a WebSocket carries (`?token=` or an Authorization header), or None."""
    header = websocket.headers.get("authorization", "")
    token = websocket.query_params.get("token") or header.removeprefix("Bearer ").strip() or None
    plane: ControlPlane = websocket.app.state.plane
    return authenticate(plane.ctx, token)


def websocket_token_ok(websocket: WebSocket) -> bool:
    """True when a WebSocket carries a valid token."""
    return websocket_token(websocket) is not None


Plane = Annotated[ControlPlane, Depends(get_plane)]
Caller = Annotated[TokenInfo, Depends(require_token)]
