"""API-token authentication for every endpoint except the signed task callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lakerun.control.plane import ControlPlane
from lakerun.control.tokens import is_valid_token

bearer = HTTPBearer(auto_error=False, description="An API token issued by `lakerun up` or `issue_token`.")


def get_plane(request: Request) -> ControlPlane:
    """The control plane the app serves."""
    plane: ControlPlane = request.app.state.plane
    return plane


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str:
    """Rejects the request with 401 unless it carries a valid `Authorization: Bearer <token>`."""
    token = credentials.credentials if credentials else None
    if not is_valid_token(get_plane(request).ctx, token):
        raise HTTPException(401, "missing or invalid API token", headers={"WWW-Authenticate": "Bearer"})
    return "api-token"


def websocket_token_ok(websocket: WebSocket) -> bool:
    """True when a WebSocket carries a valid token (`?token=` or an Authorization header)."""
    header = websocket.headers.get("authorization", "")
    token = websocket.query_params.get("token") or header.removeprefix("Bearer ").strip() or None
    plane: ControlPlane = websocket.app.state.plane
    return is_valid_token(plane.ctx, token)


Plane = Annotated[ControlPlane, Depends(get_plane)]
Caller = Annotated[str, Depends(require_token)]
